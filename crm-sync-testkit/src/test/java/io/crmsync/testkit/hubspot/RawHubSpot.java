package io.crmsync.testkit.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import okhttp3.FormBody;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Raw HTTP calls to an emulator, as any HubSpot client would make them. */
final class RawHubSpot {
  static final OkHttpClient HTTP = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType APPLICATION_JSON = MediaType.get("application/json");

  record Reply(int status, JsonNode body, String text, Headers headers) {}

  private final HubSpotEmulator hubspot;
  private final String token;

  RawHubSpot(HubSpotEmulator hubspot, String token) {
    this.hubspot = hubspot;
    this.token = token;
  }

  RawHubSpot(HubSpotEmulator hubspot) {
    this(hubspot, hubspot.privateAppToken());
  }

  Reply get(String path) throws IOException {
    return call(new Request.Builder().url(hubspot.url() + path).header("Authorization", "Bearer " + token));
  }

  Reply post(String path, String json) throws IOException {
    return call(new Request.Builder().url(hubspot.url() + path).header("Authorization", "Bearer " + token)
        .post(RequestBody.create(json, APPLICATION_JSON)));
  }

  static Reply token(HubSpotEmulator hubspot, String version, String clientId, String secret, String refreshToken)
      throws IOException {
    return call(new Request.Builder().url(hubspot.url() + "/oauth/" + version + "/token")
        .post(new FormBody.Builder().add("grant_type", "refresh_token").add("client_id", clientId)
            .add("client_secret", secret).add("refresh_token", refreshToken).build()));
  }

  static Reply call(Request.Builder request) throws IOException {
    try (Response r = HTTP.newCall(request.build()).execute()) {
      String text = r.body().string();
      JsonNode body;
      try {
        body = text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
      } catch (IOException e) {
        body = JSON.createObjectNode();
      }
      return new Reply(r.code(), body, text, r.headers());
    }
  }

  /** The list HubSpot embeds in a "Property values were not valid: [...]" message. */
  static JsonNode invalidValues(JsonNode error) throws IOException {
    String message = error.path("message").asText();
    return JSON.readTree(message.substring(message.indexOf('[')));
  }
}
