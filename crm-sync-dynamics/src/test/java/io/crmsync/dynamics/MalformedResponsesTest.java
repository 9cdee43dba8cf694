package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers that do not have the documented shape (empty, {@code {}}, wrong types, HTML, truncated, links elsewhere)
 * are transient failures ({@link CrmUnavailableException}) naming what was wrong, never an empty page or a parse
 * crash; and no message quotes the access token.
 */
class MalformedResponsesTest {
  private static final String JSON = "application/json; odata.metadata=minimal";
  private static final String ROW = "{\"contactid\":\"49b0be2e-d01c-ed11-b83e-000d3a572421\",\"lastname\":\"A\"}";
  private DataverseEmulator dv;
  private Replay replay;
  private DynamicsAdapter adapter;

  @BeforeEach
  void start() {
    dv = Emulated.emulator(TimeSource.system()).build().start();
    replay = new Replay(dv);
    adapter = DynamicsAdapter.create(AdapterConfig.builder(DynamicsAdapter.ID).settings(replay.adapterSettings())
        .timeSource(TimeSource.system()).build());
  }

  @AfterEach
  void stop() {
    adapter.close();
    replay.close();
    dv.close();
  }

  private String bearer() {
    return replay.requests().stream().map(RecordedRequest::getHeaders).map(h -> h.get("Authorization")).filter(a -> a != null)
        .findFirst().orElseThrow().substring("Bearer ".length());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "{}",
      "[]",
      "null",
      "{\"value\":{}}",
      "{\"value\":[1,2]}",
      "{\"value\":\"rows\"}",
      "{\"value\":[{\"lastname\":\"no key\"}]}",
      "{\"value\":[{\"contactid\":\"not-a-guid\"}]}",
      "{\"value\":[" + ROW + "],\"@odata.nextLink\":5}",
      "{\"value\":[" + ROW + "],\"@odata.nextLink\":\"https://elsewhere.example.com/api/data/v9.2/contacts?$skiptoken=1\"}",
      "{\"value\":[{\"contactid\":\"49b0be2e-d01c-ed11-b83e-000d3a572421\",\"modifiedon\":\"yesterday\"}]}",
      "{\"value\":[" + ROW + ",{\"contactid\":",
      "<!DOCTYPE html><html><body>Service Unavailable</body></html>"})
  void aPageWithoutTheDocumentedShapeIsTransient(String body) {
    replay.enqueue(200, Map.of("Content-Type", body.startsWith("<") ? "text/html" : JSON), body);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmUnavailableException.class)
        .satisfies(e -> assertThat(((CrmSyncException) e).isRetryable()).isTrue())
        .hasMessageNotContaining(bearer());
  }

  @Test
  void htmlErrorPagesAreTransient() {
    replay.enqueue(502, Map.of("Content-Type", "text/html"), "<html><head><title>502 Bad Gateway</title></head></html>");
    replay.enqueue(503, Map.of("Content-Type", "text/html"), "<html><body>The service is unavailable.</body></html>");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT))).isInstanceOf(CrmUnavailableException.class);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT,
        List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "a@example.com"))), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
  }

  @Test
  void aBatchAnsweredWithSomethingElseThanMultipartIsTransientNotAllFailed() {
    replay.enqueue(200, Map.of("Content-Type", "text/html"), "<html>maintenance</html>");
    replay.enqueue(200, Map.of("Content-Type", "multipart/mixed; boundary=batchresponse_1"), "--batchresponse_1\r\nContent-Ty");
    List<CrmRecord> records = List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "a@example.com")),
        CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "b@example.com")));
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, records, MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, records, MatchKey.email()))
        .as("a multipart body cut short before any answer")
        .isInstanceOf(CrmUnavailableException.class);
  }

  @Test
  void aBadRequestNamesTheColumnAndIsNotRetryable() {
    replay.enqueue(400, Map.of("Content-Type", JSON), "{\"error\":{\"code\":\"0x80048d19\",\"message\":\"Error identified in "
        + "Payload provided by the user for Entity :'contacts', For more information on this error please follow this help link "
        + "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: Does not "
        + "support untyped value in non-open type.\"}}");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmRequestException.class)
        .satisfies(e -> assertThat(((CrmSyncException) e).isRetryable()).isFalse())
        .hasMessageContaining("0x80048d19");
  }
}
