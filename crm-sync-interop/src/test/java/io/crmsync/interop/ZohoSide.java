package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.zoho.ZohoAdapter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Zoho CRM: Contacts with the two custom fields, accounts for the contacts' companies, and a second user who owns the
 * seeded contacts. The emulator refuses fields the module does not have (Zoho itself drops them without a word), so
 * that a field the engine should have left out is seen instead of lost.
 *
 * <p>Limits: a Professional edition with 10 user licences, 50,000 + 10 x 500 = 55,000 API credits per rolling 24 hours
 * (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html) and 15 concurrent calls, the edition the adapter is
 * told. Access tokens live at least {@link #MIN_TOKEN_LIFETIME}: Zoho grants ten access tokens per refresh token in ten
 * minutes, so tokens expiring every few seconds would be refused by the accounts server itself.
 */
final class ZohoSide implements Side {
  static final Duration MIN_TOKEN_LIFETIME = Duration.ofMinutes(2);
  static final String OWNER = "5725767000000411002";
  private static final Map<String, String> NATIVE = Map.ofEntries(
      Map.entry(Contact.Fields.EMAIL, "Email"),
      Map.entry(Contact.Fields.FIRST_NAME, "First_Name"),
      Map.entry(Contact.Fields.LAST_NAME, "Last_Name"),
      Map.entry(Contact.Fields.PHONE, "Phone"),
      Map.entry(Contact.Fields.TITLE, "Title"),
      Map.entry(Contact.Fields.STREET, "Mailing_Street"),
      Map.entry(Contact.Fields.CITY, "Mailing_City"),
      Map.entry(Contact.Fields.STATE, "Mailing_State"),
      Map.entry(Contact.Fields.POSTAL_CODE, "Mailing_Zip"),
      Map.entry(Contact.Fields.COUNTRY, "Mailing_Country"),
      Map.entry(People.TIER, People.TIER),
      Map.entry(People.VALUE, People.VALUE));

  final ZohoEmulator emulator;
  private final ZohoAdapter adapter;

  ZohoSide(Conditions c) {
    ZohoEmulator.Builder b = ZohoEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .field("Contacts", People.TIER, "text")
        .field("Contacts", People.VALUE, "double")
        .user(OWNER, "Olive Owner")
        .refuseUnknownFields(true)
        .accessTokenLifetime(c.tokenLifetime().compareTo(MIN_TOKEN_LIFETIME) < 0 ? MIN_TOKEN_LIFETIME : c.tokenLifetime());
    if (c.limits()) {
      b.dailyCredits(50_000 + 10 * 500).concurrency(15);
    }
    if (c.faultRate() > 0) {
      double each = c.faultRate() / 5;
      b.serverErrorRate(each).htmlErrorPageRate(each).droppedConnectionRate(each).garbledJsonRate(each)
          .truncatedBodyRate(each);
    }
    this.emulator = b.build().start();
    Map<String, String> settings = new LinkedHashMap<>(emulator.adapterSettings());
    settings.put("edition", "professional");
    this.adapter = ZohoAdapter.create(AdapterConfig.builder("zoho").settings(settings).timeSource(c.clock())
        .httpClient(c.httpClient()).build());
  }

  @Override
  public String name() {
    return "zoho";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    Map<String, String> accounts = new HashMap<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      accounts.put(People.company(j), emulator.insert("Accounts", Map.of("Account_Name", People.company(j))));
    }
    for (Map<String, Object> c : contacts) {
      Map<String, Object> row = new HashMap<>();
      c.forEach((k, v) -> {
        if (k.equals(Contact.Fields.COMPANY)) {
          row.put("Account_Name", Map.of("id", accounts.get(v.toString())));
        } else {
          row.put(NATIVE.get(k), v);
        }
      });
      row.put("Owner", Map.of("id", OWNER));
      emulator.insert("Contacts", row);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, Object> r : emulator.records("Contacts")) {
      Map<String, Object> c = new HashMap<>();
      NATIVE.forEach((canonical, nativeName) -> {
        Object v = canonical.equals(People.VALUE) ? Emulated.number(r.get(nativeName)) : Emulated.text(r.get(nativeName));
        if (v != null) {
          c.put(canonical, v);
        }
      });
      if (r.get("Account_Name") instanceof Map<?, ?> account && account.get("name") != null) {
        c.put(Contact.Fields.COMPANY, account.get("name").toString());
      }
      if (r.get("Owner") instanceof Map<?, ?> owner && owner.get("id") != null) {
        c.put(Contact.Fields.OWNER_ID, owner.get("id").toString());
      }
      Side.once(out, r.get("Email"), c);
    }
    return out;
  }

  @Override
  public Set<String> holds() {
    // a contact's company is the name of the account Account_Name looks up, which the adapter does not write
    Set<String> s = new HashSet<>(People.STANDARD);
    s.addAll(People.CUSTOM);
    return s;
  }

  @Override
  public Set<String> seededOwners() {
    return Set.of(OWNER);
  }

  @Override
  public List<Injection> faults() {
    List<Injection> out = new ArrayList<>();
    for (ZohoEmulator.Fault f : List.of(ZohoEmulator.Fault.SERVER_ERROR, ZohoEmulator.Fault.HTML_ERROR_PAGE, ZohoEmulator.Fault.DROPPED_CONNECTION, ZohoEmulator.Fault.GARBLED_JSON, ZohoEmulator.Fault.TRUNCATED_BODY, ZohoEmulator.Fault.CONCURRENCY_LIMITED)) {
      out.add(new Injection(f.name(), () -> emulator.injectFaults(f)));
    }
    return out;
  }

  @Override
  public Counts counts() {
    long tokens = emulator.requests().stream().filter(r -> r.path().startsWith("/oauth/")).count();
    Map<String, Long> refused = new HashMap<>();
    if (emulator.refusedCount() > 0) {
      emulator.requests().stream()
          .filter(r -> r.status() >= 400 && r.status() < 500 && r.status() != 429 && r.fault() == null)
          .forEach(r -> refused.merge(r.status() + " " + r.code() + " " + r.method() + " " + r.path(), 1L, Long::sum));
      long listed = refused.values().stream().mapToLong(Long::longValue).sum();
      if (listed < emulator.refusedCount()) {
        refused.put("token endpoint or unlisted", emulator.refusedCount() - listed);
      }
    }
    return new Counts(emulator.requestCount() - tokens, tokens, refused, emulator.rateLimitedCount(),
        emulator.faultCount());
  }

  @Override
  public void close() {
    emulator.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
