package io.crmsync.dynamics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Plain HTTP to an emulator, for tests that check what it answers rather than what the adapter makes of it. */
final class EmulatorHttp {
  private static final OkHttpClient HTTP = new OkHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DataverseEmulator dv;
  private final String token;

  EmulatorHttp(DataverseEmulator dv) {
    this.dv = dv;
    Map<String, String> s = dv.adapterSettings();
    Request r = new Request.Builder().url(dv.tokenUrl()).post(new FormBody.Builder()
        .add("grant_type", "client_credentials").add("client_id", s.get("clientId")).add("client_secret", s.get("clientSecret"))
        .add("scope", dv.url() + "/.default").build()).build();
    try (Response resp = HTTP.newCall(r).execute()) {
      this.token = JSON.readTree(resp.body().string()).get("access_token").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Web API root, {@code <org>/api/data/v9.2/}, to add a path and query options to. */
  HttpUrl.Builder api() {
    return HttpUrl.get(dv.url() + "/api/data/v9.2/").newBuilder();
  }

  /** GETs {@code url} and returns its JSON body; fails the test on a status other than 200. */
  JsonNode get(HttpUrl url) {
    Request r = new Request.Builder().url(url).header("Authorization", "Bearer " + token).header("Accept", "application/json")
        .header("OData-Version", "4.0").header("OData-MaxVersion", "4.0").build();
    try (Response resp = HTTP.newCall(r).execute()) {
      String body = resp.body().string();
      if (resp.code() != 200) {
        throw new AssertionError("GET " + url + " answered " + resp.code() + ": " + body);
      }
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
