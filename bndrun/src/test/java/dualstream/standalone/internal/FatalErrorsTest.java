package dualstream.standalone.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FatalErrorsTest {

    final List<String> lines = new ArrayList<>();
    final List<Integer> exits = new ArrayList<>();
    final FatalErrors handler = new FatalErrors(lines::add, exits::add);

    @Test
    void anErrorEndsTheProcessWithALineNamingTheThread() {
        handler.uncaughtException(new Thread("dualstream-v4l2-0"), new OutOfMemoryError("Java heap space"));

        assertThat(exits).containsExactly(FatalErrors.EXIT_CODE);
        assertThat(lines).singleElement().asString().startsWith("FATAL")
                .contains("dualstream-v4l2-0", "OutOfMemoryError", "Java heap space");
    }

    @Test
    void theProcessEndsEvenWhenTheLineCannotBeWritten() {
        FatalErrors silent = new FatalErrors(line -> {
            throw new OutOfMemoryError("no room for the line");
        }, exits::add);

        silent.uncaughtException(new Thread("dualstream-stream-writer"), new OutOfMemoryError());

        assertThat(exits).containsExactly(FatalErrors.EXIT_CODE);
    }

    @Test
    void anExceptionIsReportedButTheProcessGoesOn() {
        handler.uncaughtException(new Thread("worker"), new IllegalStateException("a bug"));

        assertThat(exits).isEmpty();
        assertThat(lines).singleElement().asString().contains("worker", "a bug");
    }
}
