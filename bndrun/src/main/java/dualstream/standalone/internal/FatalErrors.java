package dualstream.standalone.internal;

import java.util.function.Consumer;
import java.util.function.IntConsumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Ends the standalone process when an Error (out of memory, above all) kills a thread: a process that lives on
 * without its capture or writer thread answers nothing, and no service manager restarts a process that is alive.
 * A gateway keeps its own policy: this runs only in the standalone runtime, which owns its process.
 */
@Component(service = {})
public final class FatalErrors implements Thread.UncaughtExceptionHandler {

    /** EX_SOFTWARE from sysexits.h: an internal failure, worth a restart. */
    static final int EXIT_CODE = 70;

    private final Consumer<String> report;
    private final IntConsumer halt;
    private final Thread.UncaughtExceptionHandler previous;

    @Activate
    public FatalErrors(@Reference(service = LoggerFactory.class) Logger log) {
        this(line -> {
            System.err.println(line); // the log is asynchronous: this line must be out before the halt
            log.error(line);
        }, code -> Runtime.getRuntime().halt(code));
        Thread.setDefaultUncaughtExceptionHandler(this);
    }

    FatalErrors(Consumer<String> report, IntConsumer halt) {
        this.report = report;
        this.halt = halt;
        this.previous = Thread.getDefaultUncaughtExceptionHandler();
    }

    @Deactivate
    void deactivate() {
        if (Thread.getDefaultUncaughtExceptionHandler() == this) {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Override
    public void uncaughtException(Thread thread, Throwable failure) {
        if (!(failure instanceof Error)) {
            report.accept("thread '" + thread.getName() + "' died: " + failure);
            return;
        }
        try {
            report.accept("FATAL: thread '" + thread.getName() + "' died of " + failure
                    + "; dualstream exits (status " + EXIT_CODE + ") so that its service manager restarts it");
        } catch (Throwable reportingFailedToo) {
            // Out of memory even for the line: exit all the same.
        } finally {
            halt.accept(EXIT_CODE);
        }
    }
}
