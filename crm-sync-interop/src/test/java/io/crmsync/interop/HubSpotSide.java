package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.Contact;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HubSpot: contacts with the two custom properties declared, and an owner of the account's own to seed with.
 *
 * <p>Limits: a private app (a static token) gets its plan's burst limit per 10 seconds and the account's daily limit;
 * an OAuth app, whose access tokens expire, gets the public app's 110 per 10 seconds and no daily limit
 * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines). Private-app tokens do not expire,
 * so tokens that expire every few seconds are tested with the OAuth app.
 */
final class HubSpotSide implements Side {
  /** How a side authenticates, which decides its limits. */
  enum App {
    /** A private app of an account on the Starter plan: 100 requests per 10 seconds, 250,000 a day. */
    PRIVATE_STARTER,
    /** A private app of an account on the Professional plan: 190 requests per 10 seconds, 625,000 a day. */
    PRIVATE_PROFESSIONAL,
    /** A public OAuth app: access tokens expiring after the conditions' lifetime, 110 requests per 10 seconds. */
    OAUTH
  }

  static final String OWNER = "1001";
  private static final Map<String, String> NATIVE = Map.ofEntries(
      Map.entry(Contact.Fields.EMAIL, "email"),
      Map.entry(Contact.Fields.FIRST_NAME, "firstname"),
      Map.entry(Contact.Fields.LAST_NAME, "lastname"),
      Map.entry(Contact.Fields.COMPANY, "company"),
      Map.entry(Contact.Fields.PHONE, "phone"),
      Map.entry(Contact.Fields.TITLE, "jobtitle"),
      Map.entry(Contact.Fields.STREET, "address"),
      Map.entry(Contact.Fields.CITY, "city"),
      Map.entry(Contact.Fields.STATE, "state"),
      Map.entry(Contact.Fields.POSTAL_CODE, "zip"),
      Map.entry(Contact.Fields.COUNTRY, "country"),
      Map.entry(Contact.Fields.OWNER_ID, "hubspot_owner_id"),
      Map.entry(People.TIER, People.TIER),
      Map.entry(People.VALUE, People.VALUE));

  final HubSpotEmulator emulator;
  private final AtomicInteger authFailuresInjected = new AtomicInteger();
  private final HubSpotAdapter adapter;

  HubSpotSide(Conditions c, App app) {
    HubSpotEmulator.Builder b = HubSpotEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .property("contacts", People.TIER)
        .property("contacts", People.VALUE, "number", false)
        .owner(OWNER, "olive.owner@example.com", "Olive", "Owner")
        .owner("1002", "integration@example.com", "Integration", "User");
    if (c.faultRate() > 0) {
      double each = c.faultRate() / 5;
      b.serverErrorRate(each).htmlErrorPageRate(each).droppedConnectionRate(each).truncatedBodyRate(each)
          .garbledJsonRate(each);
    }
    if (c.limits()) {
      b.plan(app == App.PRIVATE_PROFESSIONAL ? HubSpotEmulator.Plan.PROFESSIONAL : HubSpotEmulator.Plan.STARTER);
    }
    if (app == App.OAUTH) {
      b.oauthApp("crm-sync-client", "crm-sync-secret", "crm-sync-refresh-token").accessTokenLifetime(c.tokenLifetime());
    }
    this.emulator = b.build().start();
    Map<String, String> settings = new LinkedHashMap<>(emulator.adapterSettings());
    settings.put("properties", People.TIER + "," + People.VALUE);
    this.adapter = HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(settings).timeSource(c.clock())
        .httpClient(c.httpClient()).build());
  }

  @Override
  public String name() {
    return "hubspot";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    for (Map<String, Object> c : contacts) {
      Map<String, String> p = new HashMap<>();
      c.forEach((k, v) -> p.put(NATIVE.get(k), v.toString()));
      p.put("hubspot_owner_id", OWNER);
      emulator.insert("contacts", p);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, String> r : emulator.records("contacts")) {
      Map<String, Object> c = new HashMap<>();
      NATIVE.forEach((canonical, nativeName) -> {
        Object v = canonical.equals(People.VALUE) ? Emulated.number(r.get(nativeName)) : Emulated.text(r.get(nativeName));
        if (v != null) {
          c.put(canonical, v);
        }
      });
      Side.once(out, r.get("email"), c);
    }
    return out;
  }

  @Override
  public Set<String> holds() {
    Set<String> s = new HashSet<>(People.STANDARD);
    s.add(Contact.Fields.COMPANY);
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
    for (HubSpotEmulator.Fault f : List.of(HubSpotEmulator.Fault.SERVER_ERROR, HubSpotEmulator.Fault.HTML_ERROR_PAGE, HubSpotEmulator.Fault.DROPPED_CONNECTION, HubSpotEmulator.Fault.TRUNCATED_BODY, HubSpotEmulator.Fault.GARBLED_JSON, HubSpotEmulator.Fault.RATE_LIMITED)) {
      out.add(new Injection(f.name(), () -> emulator.injectFaults(f)));
    }
    out.add(new Injection("INVALID_AUTHENTICATION", () -> {
      authFailuresInjected.incrementAndGet();
      emulator.failAuthentication(1);
    }));
    return out;
  }

  @Override
  public Counts counts() {
    // the emulator counts the 401s it was told to answer with among its refusals
    Map<String, Long> refused = new HashMap<>(emulator.refusals());
    refused.computeIfPresent("INVALID_AUTHENTICATION", (k, n) -> n > authFailuresInjected.get() ? n - authFailuresInjected.get() : null);
    return new Counts(emulator.apiRequestCount(), emulator.requestCount() - emulator.apiRequestCount(),
        refused, emulator.rateLimited().values().stream().mapToLong(Long::longValue).sum(),
        emulator.faults().values().stream().mapToLong(Long::longValue).sum());
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
