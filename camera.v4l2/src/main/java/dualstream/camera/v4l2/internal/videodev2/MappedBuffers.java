package dualstream.camera.v4l2.internal.videodev2;

import com.sun.jna.Pointer;

/** The driver's buffers mapped into this process. Closing unmaps them; the driver's buffers are then freed. */
public final class MappedBuffers implements AutoCloseable {

    private final V4l2Device device;
    private final Pointer[] memory;
    private final int[] lengths;

    MappedBuffers(V4l2Device device, int count) {
        this.device = device;
        this.memory = new Pointer[count];
        this.lengths = new int[count];
    }

    void add(int index, Pointer mem, int length) {
        memory[index] = mem;
        lengths[index] = length;
    }

    public int count() {
        return memory.length;
    }

    public Pointer memory(int index) {
        return memory[index];
    }

    public int length(int index) {
        return lengths[index];
    }

    @Override
    public void close() {
        for (int i = 0; i < memory.length; i++) {
            if (memory[i] != null) {
                device.unmap(memory[i], lengths[i]);
                memory[i] = null;
            }
        }
    }
}
