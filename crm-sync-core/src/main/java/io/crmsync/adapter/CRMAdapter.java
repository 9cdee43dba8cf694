package io.crmsync.adapter;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.model.CrmRecord;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * One connection to one CRM: read pages, upsert and delete batches, look up, describe.
 *
 * <p>Users get one from an {@link AdapterRegistry} (or construct an adapter module's class directly) and
 * hand it to the engine, or call it themselves. Adapter authors implement it and register a {@link
 * io.crmsync.adapter.spi.CRMAdapterProvider}; the testkit's {@code CRMAdapterContract} checks an
 * implementation.
 *
 * <p>Failures of a whole call are thrown as the {@link CrmSyncException} subclass that says what to do:
 * {@link CrmAuthenticationException}, {@link CrmRateLimitException} (nothing of the call was applied),
 * {@link CrmUnavailableException}, {@link CrmRequestException}. Failures of single records in a batch
 * are reported in their {@link RecordResult}, never thrown.
 *
 * <p>Implementations must be thread-safe: the engine calls one adapter from several workers.
 */
public interface CRMAdapter extends AutoCloseable {

  /** The id of the system this adapter talks to, such as {@code "hubspot"}; used in id links and errors. */
  String id();

  /** What this adapter can do and its limits. */
  AdapterCapabilities capabilities();

  /**
   * Reads one page.
   *
   * @throws IllegalArgumentException if the request asks for something the adapter does not support
   *     (incremental reads, deletes) or carries a cursor it did not issue
   */
  Page read(ReadRequest request);

  /**
   * Creates or updates {@code records}, matching existing ones on {@code key}. Returns one result per
   * record, in order. A record without a value for the key fails alone with {@link
   * RecordError#MISSING_MATCH_KEY}; a record the CRM refuses fails alone with the CRM's error.
   *
   * @throws IllegalArgumentException if there are more records than {@link
   *     AdapterCapabilities#maxBatchSize()}, or a record is of another object type
   */
  List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key);

  /**
   * Deletes (archives) the records with these ids. Deleting a record that does not exist succeeds, so
   * that deletes can be retried.
   *
   * @throws UnsupportedOperationException if {@link AdapterCapabilities#deletes()} is false
   */
  List<RecordResult> delete(String objectType, List<String> ids);

  /** Finds the record whose {@code key} field equals {@code value}, if there is exactly one. */
  Optional<CrmRecord> lookup(String objectType, MatchKey key, String value);

  /** The fields of {@code objectType}, as the CRM describes them. */
  List<FieldInfo> describe(String objectType);

  /**
   * Adds a listener for what this adapter does on the wire (requests, its own retries, rate limits,
   * token renewals); closing the registration removes it. The engine listens during each run, to count
   * an adapter's retries in its report. Adapters that report nothing keep this default, which registers
   * nothing; adapter authors use {@link io.crmsync.adapter.spi.AdapterEvents}.
   */
  default AdapterListener.Registration listen(AdapterListener listener) {
    return AdapterListener.Registration.NONE;
  }

  /**
   * What the CRM last said of its long-period quota (a daily limit), from the headers or bodies of the
   * calls made so far; empty if it said nothing, or the adapter does not read it. Makes no call.
   */
  default java.util.Optional<QuotaStatus> quotaStatus() {
    return java.util.Optional.empty();
  }

  /** Releases what this adapter holds. Shared resources passed in through the config are not closed. */
  @Override
  default void close() {}

  /**
   * All records matching {@code request}, fetched a page at a time as the stream is consumed, so memory
   * stays bounded however many there are.
   */
  default Stream<CrmRecord> stream(ReadRequest request) {
    Iterator<CrmRecord> it =
        new Iterator<>() {
          private @Nullable Iterator<CrmRecord> page;
          private @Nullable String cursor = request.cursor();
          private boolean last;

          @Override
          public boolean hasNext() {
            while (page == null || !page.hasNext()) {
              if (last) {
                return false;
              }
              Page p = read(request.withCursor(cursor));
              page = p.records().iterator();
              cursor = p.nextCursor();
              last = cursor == null;
            }
            return true;
          }

          @Override
          public CrmRecord next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return page.next();
          }
        };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
  }
}
