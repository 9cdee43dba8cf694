package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.http.HttpFailure;
import io.crmsync.hubspot.internal.HubSpotErrors;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/** HubSpot's error bodies, as documented, mapped to what the caller can do. */
class HubSpotErrorsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant NOW = Instant.parse("2026-03-10T15:00:00Z");
  final HubSpotErrors errors = new HubSpotErrors(JSON, ZoneId.of("UTC"), n -> n);

  private CrmSyncException map(int status, String body, Headers headers) throws Exception {
    JsonNode json = body.startsWith("{") ? JSON.readTree(body) : null;
    return errors.map(new HttpFailure("hubspot", "POST /crm/v3/objects/contacts/batch/upsert", status, headers, body,
        json, "req-1", NOW));
  }

  @Test
  void dailyLimitWaitsUntilMidnightInTheZone() throws Exception {
    CrmSyncException e = map(429, "{\"status\":\"error\",\"message\":\"You have reached your daily limit.\","
        + "\"errorType\":\"RATE_LIMIT\",\"correlationId\":\"c-1\",\"policyName\":\"DAILY\"}", Headers.of());
    assertThat(e).isInstanceOfSatisfying(CrmRateLimitException.class, r -> {
      assertThat(r.retryAfter()).isEqualTo(Duration.ofHours(9));
      assertThat(r.isQuotaExhausted()).as("no wait within a run helps").isTrue();
    });
    assertThat(e.requestId()).isEqualTo("req-1");
  }

  @Test
  void theSearchLimitWaitsASecond() throws Exception {
    CrmSyncException e = map(429, "{\"status\":\"error\",\"message\":\"You have reached your secondly limit.\","
        + "\"errorType\":\"RATE_LIMIT\",\"policyName\":\"SECONDLY\"}", Headers.of());
    assertThat(e).isInstanceOfSatisfying(CrmRateLimitException.class, r -> {
      assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      assertThat(r.isQuotaExhausted()).isFalse();
    });
  }

  @Test
  void tenSecondlyWaitsTheIntervalOrTenSeconds() throws Exception {
    String body = "{\"status\":\"error\",\"policyName\":\"TEN_SECONDLY_ROLLING\",\"message\":\"limit\"}";
    assertThat(((CrmRateLimitException) map(429, body, Headers.of())).retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(((CrmRateLimitException) map(429, body, Headers.of("X-HubSpot-RateLimit-Interval-Milliseconds", "1000")))
        .retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(((CrmRateLimitException) map(429, body, Headers.of("Retry-After", "3"))).retryAfter())
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aNonJson429StillWaits() throws Exception {
    assertThat(map(429, "", Headers.of())).isInstanceOf(CrmRateLimitException.class);
  }

  @Test
  void lockedAndMigratingAreTransient() throws Exception {
    assertThat(map(423, "{\"status\":\"error\",\"message\":\"locked\",\"category\":\"LOCKED\"}", Headers.of()))
        .isInstanceOf(CrmUnavailableException.class).hasMessageContaining("2 s");
    assertThat(map(477, "{\"status\":\"error\",\"message\":\"migration in progress\"}", Headers.of("Retry-After", "30")))
        .isInstanceOf(CrmUnavailableException.class).hasMessageContaining("30 s");
  }

  @Test
  void validationErrorsNameTheirFieldsFromBothShapes() throws Exception {
    CrmSyncException e = map(400, "{\"status\":\"error\",\"message\":\"Property values were not valid: "
        + "[{\\\"isValid\\\":false,\\\"message\\\":\\\"Email address x is invalid\\\",\\\"error\\\":\\\"INVALID_EMAIL\\\",\\\"name\\\":\\\"email\\\"}]\","
        + "\"correlationId\":\"c-2\",\"category\":\"VALIDATION_ERROR\"}", Headers.of());
    assertThat(e).isInstanceOfSatisfying(CrmRequestException.class, r -> assertThat(r.fieldErrors())
        .singleElement().satisfies(f -> {
          assertThat(f.field()).isEqualTo("email");
          assertThat(f.code()).isEqualTo("INVALID_EMAIL");
        }));
    CrmSyncException e2 = map(400, "{\"status\":\"error\",\"message\":\"bad\",\"category\":\"VALIDATION_ERROR\","
        + "\"errors\":[{\"message\":\"no such property\",\"code\":\"PROPERTY_DOESNT_EXIST\",\"in\":\"colour\"}]}", Headers.of());
    assertThat(((CrmRequestException) e2).fieldErrors()).singleElement()
        .satisfies(f -> assertThat(f.field()).isEqualTo("colour"));
    // as documented: errors[].context.propertyName
    CrmSyncException e3 = map(400, "{\"status\":\"error\",\"message\":\"Property values were not valid\","
        + "\"errors\":[{\"message\":\"Property \\\"External_Id__c\\\" does not exist\",\"code\":\"PROPERTY_DOESNT_EXIST\","
        + "\"context\":{\"propertyName\":[\"External_Id__c\"]}}],\"category\":\"VALIDATION_ERROR\"}", Headers.of());
    assertThat(((CrmRequestException) e3).fieldErrors()).singleElement().satisfies(f -> {
      assertThat(f.field()).isEqualTo("External_Id__c");
      assertThat(f.code()).isEqualTo("PROPERTY_DOESNT_EXIST");
    });
  }

  @Test
  void authenticationFailuresAndOutagesAreTyped() throws Exception {
    assertThat(map(401, "{\"status\":\"error\",\"message\":\"expired\",\"category\":\"EXPIRED_AUTHENTICATION\"}", Headers.of()))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("EXPIRED_AUTHENTICATION");
    assertThat(map(403, "{\"status\":\"error\",\"message\":\"missing scopes\",\"category\":\"MISSING_SCOPES\"}", Headers.of()))
        .isInstanceOf(CrmAuthenticationException.class);
    assertThat(map(524, "<html>timeout</html>", Headers.of())).isInstanceOf(CrmUnavailableException.class);
  }
}
