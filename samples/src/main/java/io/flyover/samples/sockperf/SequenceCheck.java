package io.flyover.samples.sockperf;

/**
 * Sequence accounting for one client stream: sockperf numbers its messages 1, 2, 3...; a jump forward
 * counts the messages skipped, a step back (or a repeat) counts one out-of-order message.
 */
final class SequenceCheck {
    private long last = -1;
    long messages;

    void record(long sequence, SockperfCounters counters) {
        messages++;
        if (last >= 0 && sequence <= last) {
            counters.outOfOrder++;
            return;
        }
        if (last >= 0 && sequence > last + 1) {
            counters.sequenceGaps += sequence - last - 1;
        }
        last = sequence;
    }
}
