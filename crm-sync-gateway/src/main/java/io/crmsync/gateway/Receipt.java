package io.crmsync.gateway;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@link CrmGateway#submit} hands back once a change is durably queued for every target: its id, to ask
 * {@link CrmGateway#status} about it, and whether an earlier submission with the same idempotency key had
 * already been accepted (then nothing new was queued and {@code id} is that submission's).
 *
 * @param id the receipt's id: letters, digits, {@code -} and {@code _}
 * @param acceptedAt when the change was first accepted, on the gateway's time source
 * @param duplicate whether this submission repeated an idempotency key already accepted
 */
public record Receipt(String id, Instant acceptedAt, boolean duplicate) {
  public Receipt {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(acceptedAt, "acceptedAt");
  }
}
