package com.onboardingexport.export.model;

/** Helpers for error messages that quote what the caller sent. */
final class Messages {
    private static final int MAX_QUOTED = 100;

    private Messages() {
    }

    /** At most a short, printable part of the caller's text: no control characters, no lone surrogates. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(MAX_QUOTED).forEach(cp -> {
            boolean printable = !Character.isISOControl(cp) && Character.getType(cp) != Character.SURROGATE
                    && Character.isDefined(cp);
            out.appendCodePoint(printable ? cp : '?');
        });
        return text.codePointCount(0, text.length()) > MAX_QUOTED ? out + "…" : out.toString();
    }
}
