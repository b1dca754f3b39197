package dualstream.camera.api;

import java.util.List;

/** A still was asked at a size the camera does not offer: the asker's mistake, naming the sizes it does offer. */
public class SizeNotOfferedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public SizeNotOfferedException(String cameraId, List<Resolution> offered, Resolution asked) {
        super("camera " + cameraId + " offers " + offered + ", not " + asked);
    }
}
