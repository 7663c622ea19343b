package com.onboardingexport.local.run;

import java.util.List;

/** The local run's options: {@code --flag value} or {@code --flag=value}, else an environment variable, else a default. */
final class CommandLine {
    private CommandLine() {
    }

    static int option(String[] args, String flag, String env, int defaultValue) {
        String value = textOption(args, flag, env, null);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " / " + env + " must be a port number, got " + value);
        }
    }

    /** An option's value: {@code --flag value} or {@code --flag=value}, else the environment variable, else the default. */
    static String textOption(String[] args, String flag, String env, String defaultValue) {
        List<String> list = List.of(args);
        String value = null;
        int at = list.indexOf(flag);
        if (at >= 0 && at + 1 < list.size()) {
            value = list.get(at + 1);
        } else {
            for (String arg : list) {
                if (arg.startsWith(flag + "=")) {
                    value = arg.substring(flag.length() + 1);
                }
            }
        }
        if (value == null) {
            value = System.getenv(env);
        }
        return value == null ? defaultValue : value;
    }
}
