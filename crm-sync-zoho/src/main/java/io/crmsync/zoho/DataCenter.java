package io.crmsync.zoho;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The data centres Zoho CRM is hosted in. Each has its own accounts server, where OAuth tokens are obtained; an
 * org's data lives in one of them only, so the refresh token works only with its own. The API domain is not
 * configured here: the token response names it in {@code api_domain}.
 *
 * <p>Accounts servers: https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html (US, AU, EU, IN, CN, JP,
 * CA); Saudi Arabia: https://www.zoho.com/sign/api/api-endpoint.html ({@code zoho.sa}).
 */
public enum DataCenter {
  US("https://accounts.zoho.com"),
  EU("https://accounts.zoho.eu"),
  IN("https://accounts.zoho.in"),
  AU("https://accounts.zoho.com.au"),
  JP("https://accounts.zoho.jp"),
  CA("https://accounts.zohocloud.ca"),
  CN("https://accounts.zoho.com.cn"),
  SA("https://accounts.zoho.sa");

  private final URI accountsUrl;

  DataCenter(String accountsUrl) {
    this.accountsUrl = URI.create(accountsUrl);
  }

  /** The accounts server of this data centre, such as {@code https://accounts.zoho.eu}. */
  public URI accountsUrl() {
    return accountsUrl;
  }

  /**
   * The data centre named {@code name}: its code ({@code us}, {@code eu}, {@code in}, {@code au}, {@code jp},
   * {@code ca}, {@code cn}, {@code sa}, any case), or empty if there is none by that name.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static Optional<DataCenter> named(String name) {
    Objects.requireNonNull(name, "name");
    String n = name.strip().toUpperCase(Locale.ROOT);
    for (DataCenter dc : values()) {
      if (dc.name().equals(n)) {
        return Optional.of(dc);
      }
    }
    return Optional.empty();
  }
}
