package dualstream.standalone.cameras.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CameraIdsTest {

    @Test
    void anIdNamesTheModelAndSerialNotThePortOrNode() {
        assertThat(CameraIds.derive("usb-046d_HD_Pro_Webcam_C920_8A1B2C3D-video-index0"))
                .isEqualTo("046d_HD_Pro_Webcam_C920_8A1B2C3D");
        assertThat(CameraIds.derive("usb-046d_HD_Pro_Webcam_C920_8A1B2C3D-video-index2"))
                .isEqualTo("046d_HD_Pro_Webcam_C920_8A1B2C3D-2");
        assertThat(CameraIds.derive("usb-Sonix_Technology_Co.__Ltd._USB 2.0 Camera-video-index0"))
                .as("characters a URL would need escaped become '_'").isEqualTo("Sonix_Technology_Co.__Ltd._USB_2.0_Camera");
        assertThat(CameraIds.derive("some-camera")).isEqualTo("some-camera");
        assertThat(CameraIds.derive("x".repeat(100))).hasSize(64);
    }

    @Test
    void usersChooseIdsByLinkNameOrByTheIdItWouldGet() {
        List<String> problems = new ArrayList<>();
        CameraIds ids = CameraIds.parse(" usb-046d_C920_8A1B-video-index0=nozzle, Bed_Cam_77=bed,/dev/video0=pi ",
                problems::add);
        assertThat(problems).isEmpty();
        assertThat(ids.idFor("usb-046d_C920_8A1B-video-index0")).isEqualTo("nozzle");
        assertThat(ids.idFor("usb-Bed_Cam_77-video-index0")).isEqualTo("bed");
        assertThat(ids.idFor("usb-Other_1-video-index0")).isEqualTo("Other_1");
        assertThat(ids.idFor("/dev/video0", "0")).isEqualTo("pi");
        assertThat(ids.idFor("/dev/video1", "0")).isEqualTo("0");
    }

    @Test
    void badPairsAreReportedAndLeftOut() {
        List<String> problems = new ArrayList<>();
        CameraIds ids = CameraIds.parse("a=ok,b=no spaces,c,=x,d=ok", problems::add);
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).contains("'b=no spaces'");
        assertThat(problems.get(3)).contains("'ok' is given twice");
        assertThat(ids.idFor("a")).isEqualTo("ok");
        assertThat(ids.idFor("d")).isEqualTo("d");
    }
}
