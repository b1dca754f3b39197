package dualstream.e2e;

/**
 * An agent loaded into the running gateway from outside: it starts a thread that dies of an OutOfMemoryError, as a
 * capture or writer thread does when the heap runs out.
 */
public final class ThreadKiller {

    private ThreadKiller() {
    }

    public static void agentmain(String threadName) {
        new Thread(() -> {
            throw new OutOfMemoryError("provoked by the field suite");
        }, threadName).start();
    }
}
