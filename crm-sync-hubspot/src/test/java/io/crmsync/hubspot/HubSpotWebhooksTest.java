package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.adapter.Secret;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.SignedWebhook;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HubSpotWebhooksTest {
  static final String SECRET = "app-secret-1234";
  static final String URI = "https://example.com/hooks/hubspot?portal=62515";
  static final String BODY = "[{\"eventId\":1,\"subscriptionId\":12345,\"portalId\":62515,\"occurredAt\":1767225600000,"
      + "\"subscriptionType\":\"contact.propertyChange\",\"attemptNumber\":0,\"objectId\":123,"
      + "\"propertyName\":\"firstname\",\"propertyValue\":\"Ada\",\"changeSource\":\"CRM\"},"
      + "{\"eventId\":2,\"occurredAt\":1767225601000,\"subscriptionType\":\"contact.deletion\",\"objectId\":124},"
      + "{\"eventId\":3,\"occurredAt\":1767225602000,\"subscriptionType\":\"object.creation\",\"objectTypeId\":\"0-2\",\"objectId\":9},"
      + "{\"eventId\":4,\"occurredAt\":1767225603000,\"subscriptionType\":\"contact.merge\",\"objectId\":125,"
      + "\"primaryObjectId\":125,\"mergedObjectIds\":[126,125]},"
      + "{\"eventId\":5,\"occurredAt\":1767225604000,\"subscriptionType\":\"contact.associationChange\",\"objectId\":127}]";

  final FakeTimeSource clock = new FakeTimeSource();
  final HubSpotWebhooks webhooks =
      HubSpotWebhooks.builder().clientSecret(Secret.of(SECRET)).timeSource(clock).build();

  SignedWebhook signed(String secret, String body) {
    return HubSpotEmulator.signWebhook(secret, "POST", URI, body, clock.now());
  }

  WebhookVerification verify(SignedWebhook w, String body) {
    return webhooks.verify(w.method(), w.uri(), body, w.headers().get("X-HubSpot-Signature-v3"),
        w.headers().get("X-HubSpot-Request-Timestamp"));
  }

  @Test
  void aValidRequestIsAcceptedAndItsEventsBecomeNotifications() {
    SignedWebhook w = signed(SECRET, BODY);
    List<ChangeNotification> changes = webhooks.receive(w.method(), w.uri(), w.body(), w.headers());
    assertThat(changes).extracting(ChangeNotification::objectType, ChangeNotification::id, ChangeNotification::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ObjectTypes.CONTACT, "123", ChangeNotification.Kind.UPDATED),
            org.assertj.core.groups.Tuple.tuple(ObjectTypes.CONTACT, "124", ChangeNotification.Kind.DELETED),
            org.assertj.core.groups.Tuple.tuple(ObjectTypes.COMPANY, "9", ChangeNotification.Kind.CREATED),
            org.assertj.core.groups.Tuple.tuple(ObjectTypes.CONTACT, "125", ChangeNotification.Kind.MERGED),
            org.assertj.core.groups.Tuple.tuple(ObjectTypes.CONTACT, "126", ChangeNotification.Kind.DELETED));
    assertThat(changes.get(0).propertyName()).isEqualTo("firstname");
    assertThat(changes.get(0).propertyValue()).isEqualTo("Ada");
  }

  @Test
  void headerNamesAreMatchedIgnoringCase() {
    SignedWebhook w = signed(SECRET, BODY);
    java.util.Map<String, String> lower = new java.util.HashMap<>();
    w.headers().forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
    assertThat(webhooks.receive("POST", URI, BODY, lower)).hasSize(5);
  }

  @Test
  void aTamperedBodyIsRefused() {
    SignedWebhook w = signed(SECRET, BODY);
    assertThat(verify(w, BODY.replace("Ada", "Eve"))).isEqualTo(WebhookVerification.INVALID_SIGNATURE);
  }

  @Test
  void aTamperedUriOrMethodIsRefused() {
    SignedWebhook w = signed(SECRET, BODY);
    String sig = w.headers().get("X-HubSpot-Signature-v3");
    String ts = w.headers().get("X-HubSpot-Request-Timestamp");
    assertThat(webhooks.verify("POST", URI + "&x=1", BODY, sig, ts)).isEqualTo(WebhookVerification.INVALID_SIGNATURE);
    assertThat(webhooks.verify("PUT", URI, BODY, sig, ts)).isEqualTo(WebhookVerification.INVALID_SIGNATURE);
  }

  @Test
  void aRequestSignedWithAnotherSecretIsRefused() {
    SignedWebhook w = signed("another-secret", BODY);
    assertThat(verify(w, BODY)).isEqualTo(WebhookVerification.INVALID_SIGNATURE);
    assertThatThrownBy(() -> webhooks.receive(w.method(), w.uri(), w.body(), w.headers()))
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("INVALID_SIGNATURE")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("portal=62515");
  }

  @Test
  void aStaleTimestampIsRefusedEvenWithAValidSignature() {
    SignedWebhook w = signed(SECRET, BODY);
    clock.advance(Duration.ofMinutes(5).plusMillis(1));
    assertThat(verify(w, BODY)).isEqualTo(WebhookVerification.STALE_TIMESTAMP);
  }

  @Test
  void aRequestJustWithinFiveMinutesIsAccepted() {
    SignedWebhook w = signed(SECRET, BODY);
    clock.advance(Duration.ofMinutes(5));
    assertThat(verify(w, BODY)).isEqualTo(WebhookVerification.VALID);
  }

  @Test
  void aReplayedRequestIsRefused() {
    SignedWebhook w = signed(SECRET, BODY);
    assertThat(verify(w, BODY)).isEqualTo(WebhookVerification.VALID);
    clock.advance(Duration.ofSeconds(30));
    assertThat(verify(w, BODY)).isEqualTo(WebhookVerification.REPLAYED);
    clock.advance(Duration.ofMinutes(10));
    assertThat(verify(w, BODY)).as("later, the timestamp refuses it").isEqualTo(WebhookVerification.STALE_TIMESTAMP);
  }

  @Test
  void missingOrMalformedHeadersAreRefused() {
    assertThat(webhooks.verify("POST", URI, BODY, null, "1")).isEqualTo(WebhookVerification.MISSING_SIGNATURE);
    assertThat(webhooks.verify("POST", URI, BODY, "abc", " ")).isEqualTo(WebhookVerification.MISSING_SIGNATURE);
    assertThat(webhooks.verify("POST", URI, BODY, "abc", "yesterday")).isEqualTo(WebhookVerification.MALFORMED_TIMESTAMP);
    String ts = Long.toString(clock.now().toEpochMilli());
    assertThat(webhooks.verify("POST", URI, BODY, "not base64!", ts)).isEqualTo(WebhookVerification.INVALID_SIGNATURE);
  }

  @Test
  void percentEncodingsHubSpotDecodesAreDecodedBeforeVerifying() {
    String encoded = "https://example.com/hooks%3Fa%3Db%40c";
    SignedWebhook w = HubSpotEmulator.signWebhook(SECRET, "POST", "https://example.com/hooks?a%3Db@c", BODY, clock.now());
    assertThat(webhooks.verify("POST", encoded, BODY, w.headers().get("X-HubSpot-Signature-v3"),
        w.headers().get("X-HubSpot-Request-Timestamp"))).isEqualTo(WebhookVerification.VALID);
  }

  @Test
  void latestPerRecordKeepsOneNotificationPerRecord() {
    List<ChangeNotification> changes = webhooks.parse(BODY.replace("\"objectId\":124", "\"objectId\":123"));
    assertThat(ChangeNotification.latestPerRecord(changes)).extracting(ChangeNotification::id)
        .containsExactly("123", "9", "125", "126");
  }

  @Test
  void theSecretNeverShows() {
    assertThat(webhooks.toString()).doesNotContain(SECRET);
  }
}
