package io.flyover.provider.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * Frames a stack dropped for one reason during one period: emitted periodically (by default every
 * second) for each stack and {@code DropReason} whose count grew, never once per packet.
 */
@Name("io.flyover.Drops")
@Label("Dropped Frames")
@Category({"Flyover", "Drops"})
@Description("Frames or segments a Flyover stack dropped for one reason in the last period")
@Period("1 s")
@StackTrace(false)
public final class DropsEvent extends jdk.jfr.Event {
    @Label("Stack")
    public String stack;

    @Label("Reason")
    @Description("The DropReason name, such as TCP_BAD_CHECKSUM")
    public String reason;

    @Label("Drops in Period")
    public long count;

    @Label("Total Drops")
    @Description("Drops for this reason since the stack started")
    public long total;
}
