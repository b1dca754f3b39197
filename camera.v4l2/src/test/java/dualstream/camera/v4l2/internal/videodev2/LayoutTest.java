package dualstream.camera.v4l2.internal.videodev2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.sun.jna.NativeLong;

import dualstream.camera.v4l2.internal.videodev2.Structs.Buffer;
import dualstream.camera.v4l2.internal.videodev2.Structs.Capability;
import dualstream.camera.v4l2.internal.videodev2.Structs.CaptureParm;
import dualstream.camera.v4l2.internal.videodev2.Structs.Control;
import dualstream.camera.v4l2.internal.videodev2.Structs.FmtDesc;
import dualstream.camera.v4l2.internal.videodev2.Structs.Format;
import dualstream.camera.v4l2.internal.videodev2.Structs.FrmIvalEnum;
import dualstream.camera.v4l2.internal.videodev2.Structs.FrmSizeEnum;
import dualstream.camera.v4l2.internal.videodev2.Structs.PixFormat;
import dualstream.camera.v4l2.internal.videodev2.Structs.PollFd;
import dualstream.camera.v4l2.internal.videodev2.Structs.QueryCtrl;
import dualstream.camera.v4l2.internal.videodev2.Structs.QueryMenu;
import dualstream.camera.v4l2.internal.videodev2.Structs.RequestBuffers;
import dualstream.camera.v4l2.internal.videodev2.Structs.StreamParm;

/** Compares every layout fact of the Java side with what gcc says of the kernel header on this machine. */
class LayoutTest {

    private static final Map<String, Supplier<V4l2Struct>> STRUCTS = new LinkedHashMap<>();
    private static final Map<String, String> FIELD_NAMES = Map.of(
            "v4l2_frmsizeenum.discrete", "size", "v4l2_frmivalenum.discrete", "interval", "v4l2_buffer.m", "m");

    static {
        STRUCTS.put("v4l2_capability", Capability::new);
        STRUCTS.put("v4l2_fmtdesc", FmtDesc::new);
        STRUCTS.put("v4l2_frmsizeenum", FrmSizeEnum::new);
        STRUCTS.put("v4l2_frmivalenum", FrmIvalEnum::new);
        STRUCTS.put("v4l2_pix_format", PixFormat::new);
        STRUCTS.put("v4l2_format", Format::new);
        STRUCTS.put("v4l2_captureparm", CaptureParm::new);
        STRUCTS.put("v4l2_streamparm", StreamParm::new);
        STRUCTS.put("v4l2_requestbuffers", RequestBuffers::new);
        STRUCTS.put("v4l2_buffer", Buffer::new);
        STRUCTS.put("v4l2_queryctrl", QueryCtrl::new);
        STRUCTS.put("v4l2_querymenu", QueryMenu::new);
        STRUCTS.put("v4l2_control", Control::new);
        STRUCTS.put("pollfd", PollFd::new);
    }

    private static Map<String, Long> cFacts() throws IOException, InterruptedException {
        Path program = Path.of(System.getProperty("v4l2.layout.program", "target/v4l2-layout"));
        assertThat(program).as("layout program built by gcc during the build").isExecutable();
        Process process = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(process.waitFor()).isZero();
        Map<String, Long> facts = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split(" ");
            facts.put(parts[0] + " " + parts[1], Long.parseUnsignedLong(parts[2]));
        }
        return facts;
    }

    private static long javaFact(String kind, String name) throws ReflectiveOperationException {
        switch (kind) {
            case "sizeof":
                return STRUCTS.get(name).get().size();
            case "offsetof": {
                int dot = name.indexOf('.');
                String struct = name.substring(0, dot);
                String field = FIELD_NAMES.getOrDefault(name, name.substring(dot + 1));
                return STRUCTS.get(struct).get().offsetOf(field);
            }
            default:
                return constant(name);
        }
    }

    private static long constant(String name) throws ReflectiveOperationException {
        for (Class<?> owner : new Class<?>[] {Videodev2.class, LibC.class}) {
            try {
                Field field = owner.getField(name);
                if (!Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                Object value = field.get(null);
                if (value instanceof NativeLong n) {
                    return n.longValue() & 0xFFFF_FFFFL;
                }
                return ((Number) value).longValue() & 0xFFFF_FFFFL;
            } catch (NoSuchFieldException e) {
                // try the next owner
            }
        }
        throw new NoSuchFieldException(name);
    }

    @Test
    void everyStructFieldIoctlAndConstantMatchesTheKernelHeader() throws Exception {
        Map<String, Long> facts = cFacts();
        assertThat(facts).hasSizeGreaterThan(80);
        Map<String, String> mismatches = new LinkedHashMap<>();
        for (Map.Entry<String, Long> fact : facts.entrySet()) {
            String[] key = fact.getKey().split(" ");
            long java = javaFact(key[0], key[1]);
            if (java != fact.getValue()) {
                mismatches.put(fact.getKey(), "C " + fact.getValue() + ", Java " + java);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void ioctlNumbersHaveTheKnownValuesOnThisFamilyOfPlatforms() {
        // x86_64 and aarch64 (DESIGN.md); armhf has 0xc0445611 because its v4l2_buffer is 68 bytes.
        assertThat(Videodev2.VIDIOC_DQBUF.longValue() & 0xFFFF_FFFFL).isEqualTo(
                com.sun.jna.Native.LONG_SIZE == 8 ? 0xc0585611L : 0xc0445611L);
    }
}
