/** Implementation details of the testkit shared by its emulators; not part of the API. */
@NullMarked
package io.crmsync.testkit.internal;

import org.jspecify.annotations.NullMarked;
