package dualstream.log.slf4j.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every OSGi Log entry through SLF4J, so that the framework's, the components' and Jetty's messages come out of
 * one console in one format.
 */
@Component(service = {}, configurationPid = LogForwarder.PID)
@Designate(ocd = LogForwarder.Config.class)
public final class LogForwarder implements LogListener {

    static final String PID = "dualstream.log";

    @ObjectClassDefinition(name = "dualstream console log")
    public @interface Config {
        @AttributeDefinition(name = "Level", description = "Lowest level of OSGi Log entries to write.")
        LogLevel level() default LogLevel.INFO;
    }

    private final LogReaderService reader;

    @Activate
    public LogForwarder(Config config, @Reference LogReaderService reader, @Reference LoggerAdmin admin) {
        this.reader = reader;
        // Log 1.4 discards entries below WARN unless the root context says otherwise.
        LoggerContext root = admin.getLoggerContext(null);
        root.setLogLevels(Map.of(org.osgi.service.log.Logger.ROOT_LOGGER_NAME, config.level()));
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        String name = entry.getLoggerName();
        // Bundle and service events arrive as log entries too; only trouble is worth a console line.
        if (name != null && name.startsWith("Events.") && entry.getLogLevel().implies(LogLevel.INFO)) {
            return;
        }
        Logger logger = LoggerFactory.getLogger(name == null || name.isEmpty() ? entry.getBundle().getSymbolicName() : name);
        String message = entry.getMessage();
        Throwable error = entry.getException();
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> logger.error(message, error);
            case WARN -> logger.warn(message, error);
            case INFO -> logger.info(message, error);
            case DEBUG -> logger.debug(message, error);
            default -> logger.trace(message, error);
        }
    }
}
