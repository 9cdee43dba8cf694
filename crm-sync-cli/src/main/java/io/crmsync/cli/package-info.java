/** The {@code crm-sync} command line: demo, sync, dedupe, emulate. */
@NullMarked
package io.crmsync.cli;

import org.jspecify.annotations.NullMarked;
