package dualstream.camera.v4l2.internal.jpeg;

import com.sun.jna.Pointer;

/** Bytes of one captured frame, read in pieces so that only what is needed is copied. */
public interface FrameSource {

    int length();

    void read(int offset, byte[] destination, int destinationOffset, int length);

    static FrameSource of(Pointer memory, int length) {
        return new FrameSource() {
            @Override
            public int length() {
                return length;
            }

            @Override
            public void read(int offset, byte[] destination, int destinationOffset, int count) {
                memory.read(offset, destination, destinationOffset, count);
            }
        };
    }

    static FrameSource of(byte[] bytes) {
        return new FrameSource() {
            @Override
            public int length() {
                return bytes.length;
            }

            @Override
            public void read(int offset, byte[] destination, int destinationOffset, int count) {
                System.arraycopy(bytes, offset, destination, destinationOffset, count);
            }
        };
    }
}
