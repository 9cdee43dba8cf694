/**
 * Fakes for tests of code that uses crm-sync: {@link io.crmsync.testkit.FakeCrm}, an in-memory CRM with
 * fault injection; {@link io.crmsync.testkit.FakeTimeSource}, a clock that advances when slept on; and
 * the contract suites {@link io.crmsync.tck.CRMAdapterContract} and {@link
 * io.crmsync.tck.TaskQueueContract} that adapters and queues extend.
 */
@NullMarked
package io.crmsync.testkit;

import org.jspecify.annotations.NullMarked;
