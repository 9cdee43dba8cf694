package io.crmsync.testkit.salesforce;

/**
 * A Bulk API 2.0 ingest job as the emulator holds it, for tests to check that a client leaves none {@code Open}
 * and uploads once per job.
 *
 * @param id the job id ({@code 750...})
 * @param object the sObject
 * @param operation {@code insert}, {@code upsert}, {@code delete} ...
 * @param state {@code Open}, {@code UploadComplete}, {@code InProgress}, {@code JobComplete}, {@code Failed} or
 *     {@code Aborted}
 * @param uploads how many CSV uploads the job received (Salesforce allows one)
 * @param recordsProcessed records the job processed
 * @param recordsFailed records that failed
 */
public record IngestJob(String id, String object, String operation, String state, int uploads, int recordsProcessed,
    int recordsFailed) {

  /** Whether the job is still {@code Open}: created, but never closed nor aborted. */
  public boolean isOpen() {
    return state.equals("Open");
  }
}
