/**
 * Sentry for crm-sync: {@link io.crmsync.sentry.SentryAlertSink} sends alerts to Sentry, grouped, rate-limited
 * and scrubbed of secrets and personal data by a {@link io.crmsync.sentry.Scrubber}.
 */
@NullMarked
package io.crmsync.sentry;

import org.jspecify.annotations.NullMarked;
