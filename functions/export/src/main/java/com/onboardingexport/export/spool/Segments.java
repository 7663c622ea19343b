package com.onboardingexport.export.spool;

import java.io.IOException;

/**
 * Where readers put their rows: segment 0 takes the first page, each following segment the next
 * range of ids, so the segments in index order hold the rows in id order.
 */
public interface Segments {
    RowSink open(int index) throws IOException;
}
