package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.model.Contact;
import io.crmsync.testkit.dynamics.ColumnSpec;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.dynamics.Fault;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dynamics 365 (Dataverse): contact with the two custom columns and an alternate key on {@code emailaddress1} (what an
 * integration matching contacts by email sets up), accounts for the contacts' companies, and a second user who owns
 * the seeded contacts.
 *
 * <p>Limits: service protection's documented defaults, 6,000 requests per 5 minutes and 52 concurrent requests per user
 * (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits). Entra ID access tokens expire after the
 * conditions' lifetime.
 */
final class DynamicsSide implements Side {
  private static final Map<String, String> NATIVE = Map.ofEntries(
      Map.entry(Contact.Fields.EMAIL, "emailaddress1"),
      Map.entry(Contact.Fields.FIRST_NAME, "firstname"),
      Map.entry(Contact.Fields.LAST_NAME, "lastname"),
      Map.entry(Contact.Fields.PHONE, "telephone1"),
      Map.entry(Contact.Fields.TITLE, "jobtitle"),
      Map.entry(Contact.Fields.STREET, "address1_line1"),
      Map.entry(Contact.Fields.CITY, "address1_city"),
      Map.entry(Contact.Fields.STATE, "address1_stateorprovince"),
      Map.entry(Contact.Fields.POSTAL_CODE, "address1_postalcode"),
      Map.entry(Contact.Fields.COUNTRY, "address1_country"),
      Map.entry(Contact.Fields.OWNER_ID, "ownerid"),
      Map.entry(People.TIER, People.TIER),
      Map.entry(People.VALUE, People.VALUE));

  final DataverseEmulator emulator;
  private final DynamicsAdapter adapter;
  private String owner = "";

  DynamicsSide(Conditions c) {
    DataverseEmulator.Builder b = DataverseEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .column("contact", ColumnSpec.string(People.TIER, 100))
        .column("contact", ColumnSpec.decimal(People.VALUE))
        .alternateKey("contact", "emailaddress1")
        .tokenLifetime(c.tokenLifetime());
    if (!c.limits()) {
      b.noServiceProtection();
    }
    if (c.faultRate() > 0) {
      double each = c.faultRate() / 4;
      b.serverErrorRate(each).htmlErrorPageRate(each).truncatedBodyRate(each).droppedConnectionRate(each);
    }
    this.emulator = b.build().start();
    this.adapter = DynamicsAdapter.create(AdapterConfig.builder(DynamicsAdapter.ID)
        .settings(new LinkedHashMap<>(emulator.adapterSettings())).timeSource(c.clock()).httpClient(c.httpClient())
        .build());
  }

  @Override
  public String name() {
    return "dynamics";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    owner = emulator.insert("systemuser", Map.of("firstname", "Olive", "lastname", "Owner",
        "internalemailaddress", "olive.owner@example.com"));
    Map<String, String> accounts = new HashMap<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      accounts.put(People.company(j), emulator.insert("account", Map.of("name", People.company(j))));
    }
    for (Map<String, Object> c : contacts) {
      Map<String, Object> row = new HashMap<>();
      c.forEach((k, v) -> {
        if (k.equals(Contact.Fields.COMPANY)) {
          row.put("parentcustomerid_account@odata.bind", "/accounts(" + accounts.get(v.toString()) + ")");
        } else {
          row.put(NATIVE.get(k), v);
        }
      });
      row.put("ownerid@odata.bind", "/systemusers(" + owner + ")");
      emulator.insert("contact", row);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<String, String> accountNames = new HashMap<>();
    for (Map<String, Object> a : emulator.records("account")) {
      accountNames.put(a.get("accountid").toString(), String.valueOf(a.get("name")));
    }
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, Object> r : emulator.records("contact")) {
      Map<String, Object> c = new HashMap<>();
      NATIVE.forEach((canonical, nativeName) -> {
        Object v = canonical.equals(People.VALUE) ? Emulated.number(r.get(nativeName)) : Emulated.text(r.get(nativeName));
        if (v != null) {
          c.put(canonical, v);
        }
      });
      Object account = r.get("parentcustomerid");
      if (account != null && accountNames.containsKey(account.toString())) {
        c.put(Contact.Fields.COMPANY, accountNames.get(account.toString()));
      }
      Side.once(out, r.get("emailaddress1"), c);
    }
    return out;
  }

  @Override
  public Set<String> holds() {
    // a contact's company is the name of the account parentcustomerid looks up, which the adapter does not write
    Set<String> s = new HashSet<>(People.STANDARD);
    s.addAll(People.CUSTOM);
    return s;
  }

  @Override
  public Set<String> seededOwners() {
    return Set.of(owner);
  }

  @Override
  public List<Injection> faults() {
    List<Injection> out = new ArrayList<>();
    for (Fault f : List.of(Fault.SERVER_ERROR, Fault.SERVICE_UNAVAILABLE_HTML, Fault.TRUNCATED_BODY, Fault.EMPTY_BODY, Fault.DROPPED_CONNECTION, Fault.RATE_LIMITED)) {
      out.add(new Injection(f.name(), () -> emulator.injectFaults(f)));
    }
    return out;
  }

  @Override
  public Counts counts() {
    Map<String, Long> refused = new HashMap<>();
    emulator.refusals().forEach(r -> refused.merge(r.status() + " " + r.code() + " " + r.method(), 1L, Long::sum));
    if (emulator.refusedCount() > refused.values().stream().mapToLong(Long::longValue).sum()) {
      refused.put("more, not listed", emulator.refusedCount() - refused.values().stream().mapToLong(Long::longValue).sum());
    }
    if (emulator.unsupportedCount() > 0) {
      refused.put("not emulated", emulator.unsupportedCount());
    }
    long tokens = emulator.requests().stream().filter(r -> r.path().endsWith("/oauth2/v2.0/token")).count();
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
