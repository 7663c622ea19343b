package com.onboardingexport.shared;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A Strapi REST query string in its bracket syntax (qs), e.g.
 * {@code filters[campaign][documentId][$in][0]=abc}. Every key and value is URL-encoded, so an
 * id such as {@code x&filters[client][id]=2} stays one value and never becomes a filter.
 */
public final class StrapiQuery {
    private final List<String> pairs = new ArrayList<>();

    public StrapiQuery add(String key, String value) {
        pairs.add(encode(key) + "=" + encode(value));
        return this;
    }

    public StrapiQuery add(String key, long value) {
        return add(key, Long.toString(value));
    }

    /** Adds {@code key[0]=v0&key[1]=v1...}, the qs array form Strapi's {@code $in} expects. */
    public StrapiQuery addAll(String key, Collection<String> values) {
        int index = 0;
        for (String value : values) {
            add(key + "[" + index++ + "]", value);
        }
        return this;
    }

    public StrapiQuery copy() {
        StrapiQuery copy = new StrapiQuery();
        copy.pairs.addAll(pairs);
        return copy;
    }

    @Override
    public String toString() {
        return String.join("&", pairs);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
