package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code $batch}: a change set is atomic whether or not the batch continues on error; the adapter gets one result per
 * record, in input order, whatever the order of the answers, and a record the answer leaves out is retryable.
 */
class BatchTest {
  private DataverseEmulator dv;

  @BeforeEach
  void start() {
    dv = Emulated.emulator(TimeSource.system()).build().start();
  }

  @AfterEach
  void stop() {
    dv.close();
  }

  private record Sent(int status, String body) {}

  private Sent postBatch(String boundary, String body, boolean continueOnError) {
    OkHttpClient http = new OkHttpClient();
    Map<String, String> s = dv.adapterSettings();
    try (Response t = http.newCall(new Request.Builder().url(dv.tokenUrl()).post(new FormBody.Builder()
        .add("grant_type", "client_credentials").add("client_id", s.get("clientId")).add("client_secret", s.get("clientSecret"))
        .add("scope", dv.url() + "/.default").build()).build()).execute()) {
      String token = new com.fasterxml.jackson.databind.ObjectMapper().readTree(t.body().string()).get("access_token").asText();
      Request.Builder b = new Request.Builder().url(dv.url() + "/api/data/v9.2/$batch")
          .post(RequestBody.create(body, MediaType.get("multipart/mixed; boundary=" + boundary)))
          .header("Authorization", "Bearer " + token).header("OData-Version", "4.0").header("OData-MaxVersion", "4.0")
          .header("Accept", "application/json");
      if (continueOnError) {
        b.header("Prefer", "odata.continue-on-error");
      }
      try (Response r = http.newCall(b.build()).execute()) {
        return new Sent(r.code(), r.body().string());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A batch: one change set creating three contacts (the second with a last name over 50 characters), then one more. */
  private static String batchWithFailingChangeSet(String boundary, String tag) {
    String cs = "changeset_" + tag;
    StringBuilder b = new StringBuilder();
    b.append("--").append(boundary).append("\r\nContent-Type: multipart/mixed; boundary=").append(cs).append("\r\n\r\n");
    String[] lastNames = {"Ok" + tag, "L".repeat(51), "Ok2" + tag};
    for (int i = 0; i < 3; i++) {
      b.append("--").append(cs).append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ")
          .append(i + 1).append("\r\n\r\nPOST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n")
          .append("{\"lastname\":\"").append(lastNames[i]).append("\"}\r\n");
    }
    b.append("--").append(cs).append("--\r\n");
    b.append("--").append(boundary).append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
        .append("POST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n")
        .append("{\"lastname\":\"After").append(tag).append("\"}\r\n");
    b.append("--").append(boundary).append("--\r\n");
    return b.toString();
  }

  private long lastNamed(String prefix) {
    return dv.records("contact").stream().filter(r -> String.valueOf(r.get("lastname")).startsWith(prefix)).count();
  }

  @Test
  void aChangeSetWithAFailingRequestIsRolledBackAndTheBatchStops() {
    Sent sent = postBatch("batch_a", batchWithFailingChangeSet("batch_a", "A"), false);
    assertThat(sent.status()).isEqualTo(400);
    assertThat(sent.body()).contains("0x80044331").contains("'lastname'").doesNotContain("HTTP/1.1 204");
    assertThat(lastNamed("Ok")).as("the change set is atomic").isZero();
    assertThat(lastNamed("AfterA")).as("the batch stopped at the failing change set").isZero();
  }

  @Test
  void withContinueOnErrorTheChangeSetIsStillRolledBackButTheBatchGoesOn() {
    Sent sent = postBatch("batch_b", batchWithFailingChangeSet("batch_b", "B"), true);
    assertThat(sent.status()).isEqualTo(200);
    assertThat(sent.body()).contains("0x80044331").contains("HTTP/1.1 204");
    assertThat(lastNamed("Ok")).as("the change set is atomic").isZero();
    assertThat(lastNamed("AfterB")).as("the request after it ran").isEqualTo(1);
  }

  @Test
  void aBadRecordFailsAloneInTheAdaptersBatchBecauseEachRecordIsItsOwnChangeSet() {
    try (DynamicsAdapter a = Emulated.adapter(dv, TimeSource.system())) {
      List<CrmRecord> records = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        records.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "b" + i + "@example.com",
            Contact.Fields.LAST_NAME, i == 2 ? "L".repeat(51) : "Batch")));
      }
      List<RecordResult> results = a.upsert(ObjectTypes.CONTACT, records, MatchKey.email());
      assertThat(results).extracting(RecordResult::index).containsExactly(0, 1, 2, 3, 4);
      assertThat(results.get(2).status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(results.get(2).error().retryable()).isFalse();
      assertThat(results.get(2).error().fieldErrors()).extracting(f -> f.field()).containsExactly(Contact.Fields.LAST_NAME);
      assertThat(results).filteredOn(RecordResult::succeeded).hasSize(4);
      assertThat(dv.count("contact")).isEqualTo(4);
      assertThat(dv.requests()).filteredOn(r -> r.path().endsWith("$batch")).hasSize(1);
    }
  }

  /** A change set answer part for Content-ID {@code id}. */
  private static String part(String cs, int id, String statusLine, String body) {
    return "--" + cs + "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: " + id
        + "\r\n\r\nHTTP/1.1 " + statusLine + "\r\nContent-Type: application/json; odata.metadata=minimal\r\nOData-Version: 4.0\r\n\r\n"
        + body + "\r\n";
  }

  private static String changeSet(String outer, String cs, String parts) {
    return "--" + outer + "\r\nContent-Type: multipart/mixed; boundary=" + cs + "\r\n\r\n" + parts + "--" + cs + "--\r\n";
  }

  @Test
  void answersOutOfOrderAreMatchedByContentIdAndAMissingOneIsRetryable() {
    String a = "aaaaaaaa-0000-0000-0000-000000000001";
    String c = "cccccccc-0000-0000-0000-000000000003";
    String outer = "batchresponse_x";
    String body = changeSet(outer, "cs3", part("cs3", 3, "201 Created", "{\"contactid\":\"" + c + "\"}"))
        + changeSet(outer, "cs1", part("cs1", 1, "200 OK", "{\"contactid\":\"" + a + "\"}"))
        + changeSet(outer, "cs2", part("cs2", 2, "400 Bad Request",
            "{\"error\":{\"code\":\"0x80044331\",\"message\":\"A validation error occurred.  The length of the 'firstname' "
                + "attribute of the 'contact' entity exceeded the maximum allowed length of '50'.\"}}"))
        + "--" + outer + "--\r\n";
    try (Replay replay = new Replay(dv)) {
      replay.enqueue(200, Map.of("Content-Type", "multipart/mixed; boundary=" + outer), body);
      // the second batch: the answer for Content-ID 2 is missing (cut short)
      replay.enqueue(200, Map.of("Content-Type", "multipart/mixed; boundary=" + outer),
          changeSet(outer, "cs1", part("cs1", 1, "200 OK", "{\"contactid\":\"" + a + "\"}"))
              + changeSet(outer, "cs3", part("cs3", 3, "200 OK", "{\"contactid\":\"" + c + "\"}")) + "--" + outer + "--\r\n");
      DynamicsAdapter adapter = DynamicsAdapter.create(io.crmsync.adapter.AdapterConfig.builder(DynamicsAdapter.ID)
          .settings(replay.adapterSettings()).timeSource(TimeSource.system()).build());
      List<CrmRecord> records = List.of(
          CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "one@example.com")),
          CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "two@example.com", Contact.Fields.FIRST_NAME, "x".repeat(60))),
          CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "three@example.com")));

      List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, records, MatchKey.email());
      RecordedRequest batch = replay.requests().get(0);
      assertThat(batch.getTarget()).isEqualTo("/api/data/v9.2/$batch");
      assertThat(batch.getHeaders().get("Prefer")).isEqualTo("odata.continue-on-error");
      assertThat(batch.getBody().utf8()).contains("Content-ID: 1").contains("Content-ID: 2").contains("Content-ID: 3")
          .contains("PATCH /api/data/v9.2/contacts(emailaddress1='two@example.com')?$select=contactid HTTP/1.1");
      assertThat(results.get(0)).satisfies(r -> {
        assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED);
        assertThat(r.id()).isEqualTo(a);
      });
      assertThat(results.get(1).status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(results.get(1).error().fieldErrors()).extracting(f -> f.field()).containsExactly(Contact.Fields.FIRST_NAME);
      assertThat(results.get(2)).satisfies(r -> {
        assertThat(r.status()).isEqualTo(RecordResult.Status.CREATED);
        assertThat(r.id()).isEqualTo(c);
      });

      List<RecordResult> cut = adapter.upsert(ObjectTypes.CONTACT, records, MatchKey.email());
      assertThat(cut.get(0).succeeded()).isTrue();
      assertThat(cut.get(2).succeeded()).isTrue();
      assertThat(cut.get(1).status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(cut.get(1).error().retryable()).isTrue();
      assertThat(cut.get(1).error().code()).isEqualTo(RecordError.TRANSIENT);
    }
  }
}
