package com.onboardingexport.shared;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the functions (registered in META-INF/services): what the AWS SDK, Powertools
 * and the EMF library log becomes a {@link JsonLog} line, with the invocation's context and the
 * logger's name. Libraries log their warnings and errors only (their DEBUG is HTTP wire detail), and
 * nothing below the level Lambda's {@code ApplicationLogLevel} sets.
 */
public final class JsonSlf4jProvider implements SLF4JServiceProvider {
    private final ILoggerFactory loggers = new Loggers();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // Nothing to set up: JsonLog writes the lines.
    }

    private static final class Loggers implements ILoggerFactory {
        private final Map<String, Logger> byName = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return byName.computeIfAbsent(name, JsonLogger::new);
        }
    }

    /** One library logger: WARN and ERROR only (and never what JsonLog's level drops). */
    static final class JsonLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        JsonLogger(String name) {
            this.name = name;
        }

        private static boolean on(JsonLog.Level level) {
            return level.compareTo(JsonLog.Level.WARN) >= 0 && JsonLog.enabled(level);
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public boolean isWarnEnabled() {
            return on(JsonLog.Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(JsonLog.Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
            JsonLog.Level ours = JsonLog.Level.valueOf(level.name());
            if (on(ours)) {
                JsonLog.log(ours, MessageFormatter.basicArrayFormat(pattern, arguments), throwable, "logger", name);
            }
        }
    }
}
