package io.crmsync.examples.acme;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.Secret;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import io.crmsync.spi.Checks;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import okhttp3.HttpUrl;

/**
 * Creates {@link AcmeCrmAdapter}s, id {@code acme}; listed in {@code
 * META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider}. Settings ({@code crmsync.acme.<name>} or
 * {@code CRMSYNC_ACME_<NAME>}):
 *
 * <table>
 *   <caption>Acme CRM adapter settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code baseUrl}</td><td>required</td><td>the API, such as {@code https://api.acme-crm.example};
 *       https only, except for loopback hosts (an emulator)</td></tr>
 *   <tr><td>{@code token}</td><td>required</td><td>the account's API key (a secret: from a {@code
 *       CredentialsProvider} if one is set)</td></tr>
 *   <tr><td>{@code budget}</td><td>90</td><td>requests per 10 seconds the engine keeps to. Acme allows 100
 *       per API key, its token endpoint's included: the rest is left for session renewals. Lower it when
 *       other applications share the key.</td></tr>
 * </table>
 */
public final class AcmeCrmProvider implements CRMAdapterProvider {
  static final int DEFAULT_BUDGET = 90;

  @Override
  public String id() {
    return AcmeCrmAdapter.ID;
  }

  // README:spi:start
  @Override
  public CRMAdapter create(AdapterConfig config) {
    HttpUrl baseUrl = httpsOrLoopback(config, "baseUrl");
    Secret token = config.secret("token");               // never shown by toString() or in a message
    int budget = positive(config, "budget", DEFAULT_BUDGET);
    return new AcmeCrmAdapter(baseUrl, token, budget, config);
  }
  // README:spi:end

  /** An absolute https URL, or http to a loopback host (an emulator): a key must not cross a network in clear. */
  private static HttpUrl httpsOrLoopback(AdapterConfig config, String name) {
    String given = config.string(name);                   // throws, naming the setting and where to set it
    HttpUrl url = HttpUrl.get(config.uri(name, URI.create(given)).toString());
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(AcmeCrmAdapter.ID, "setting '" + name + "' must be an https URL (http only"
          + " for loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty() || url.encodedQuery() != null) {
      throw new CrmConfigurationException(AcmeCrmAdapter.ID, "setting '" + name
          + "' must be a URL without credentials or query; the API key goes in 'token'");
    }
    return url;
  }

  /** Only IP literals and {@code localhost} count: names are never resolved to decide. */
  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** A whole number above zero, refused as a setting (naming it) otherwise. */
  private static int positive(AdapterConfig config, String name, int defaultValue) {
    try {
      return Checks.positive(config.integer(name, defaultValue), name);
    } catch (IllegalArgumentException e) {
      throw new CrmConfigurationException(AcmeCrmAdapter.ID, "setting " + e.getMessage());
    }
  }
}
