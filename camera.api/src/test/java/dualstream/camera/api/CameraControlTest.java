package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;

import org.junit.jupiter.api.Test;

class CameraControlTest {

    private final CameraControl brightness =
            new CameraControl(9963776, "Brightness", ControlType.INTEGER, -64, 64, 2, 0, 0, 0, Map.of());
    private final CameraControl exposure = new CameraControl(10094849, "Auto Exposure", ControlType.MENU, 0, 3, 1, 3,
            3, 0, Map.of(1, "Manual Mode", 3, "Aperture Priority Mode"));

    @Test
    void acceptsValuesInRangeOnTheStep() {
        assertThatCode(() -> brightness.validate(-64)).doesNotThrowAnyException();
        assertThatCode(() -> brightness.validate(10)).doesNotThrowAnyException();
        assertThatCode(() -> exposure.validate(1)).doesNotThrowAnyException();
    }

    @Test
    void rejectsOtherValuesNamingTheControl() {
        assertThatIllegalArgumentException().isThrownBy(() -> brightness.validate(65))
                .withMessage("Brightness: 65 is outside -64..64");
        assertThatIllegalArgumentException().isThrownBy(() -> brightness.validate(11)).withMessageContaining("k*2");
        assertThatIllegalArgumentException().isThrownBy(() -> exposure.validate(2))
                .withMessage("Auto Exposure: 2 is not one of [1, 3]");
    }

    @Test
    void rejectsWritesToReadOnlyControls() {
        CameraControl readOnly = new CameraControl(1, "Status", ControlType.INTEGER, 0, 1, 1, 0, 0,
                CameraControl.FLAG_READ_ONLY, Map.of());
        assertThatIllegalArgumentException().isThrownBy(() -> readOnly.validate(0)).withMessage("Status is read-only");
    }
}
