/**
 * Implementation of the PostgreSQL queue and state store: SQL, migrations, notifications. Not part of
 * the API; may change in any release.
 */
@NullMarked
package io.crmsync.jdbc.internal;

import org.jspecify.annotations.NullMarked;
