package com.onboardingexport.export.spool;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;

/** Receives the responses of one reader in id order, flattened to Strapi 5's shape; closed by that reader. */
public interface RowSink extends Closeable {
    void accept(JsonNode row) throws IOException;

    /**
     * A response some of whose fields could not be read: its identity, date and campaign (as far as
     * they could be read) and what was wrong, never what the fields held.
     */
    void degraded(JsonNode row, String problem) throws IOException;
}
