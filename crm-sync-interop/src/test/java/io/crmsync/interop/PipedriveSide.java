package io.crmsync.interop;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.pipedrive.PipedriveAdapter;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pipedrive: persons with the two custom fields (by name; the emulator gives them their 40-character keys), Contact
 * Sync on (without it persons have no job title and no postal address), organizations for the persons' companies, and
 * a second user who owns the seeded persons.
 *
 * <p>Limits: a Growth plan with 5 seats, 2 x 30,000 x 5 = 300,000 tokens a day, 160 requests per 2 seconds for an OAuth
 * app, and search's own 10 per 2 seconds (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting). The app
 * authenticates with OAuth, whose access tokens expire after the conditions' lifetime.
 */
final class PipedriveSide implements Side {
  static final long OWNER = 2;

  final PipedriveEmulator emulator;
  private final PipedriveAdapter adapter;

  PipedriveSide(Conditions c) {
    PipedriveEmulator.Builder b = PipedriveEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .customField("persons", People.TIER, "varchar")
        .customField("persons", People.VALUE, "double")
        .contactSync(true)
        .oauthApp("crm-sync-client", "crm-sync-secret", "crm-sync-refresh-token")
        .accessTokenLifetime(c.tokenLifetime());
    if (c.limits()) {
      b.plan(PipedriveEmulator.Plan.GROWTH, 5);
    }
    if (c.faultRate() > 0) {
      double each = c.faultRate() / 4;
      b.serverErrorRate(each).htmlErrorPageRate(each).droppedConnectionRate(each).truncatedBodyRate(each);
    }
    this.emulator = b.build().start();
    this.adapter = PipedriveAdapter.create(AdapterConfig.builder("pipedrive")
        .settings(new LinkedHashMap<>(emulator.adapterSettings())).timeSource(c.clock()).httpClient(c.httpClient())
        .build());
  }

  @Override
  public String name() {
    return "pipedrive";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    Map<String, Long> orgs = new HashMap<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      orgs.put(People.company(j), emulator.insert("organizations", Map.of("name", People.company(j))));
    }
    String tier = emulator.customFieldKey("persons", People.TIER);
    String value = emulator.customFieldKey("persons", People.VALUE);
    for (Map<String, Object> c : contacts) {
      Map<String, Object> p = new HashMap<>();
      p.put("name", c.get(Contact.Fields.FIRST_NAME) + " " + c.get(Contact.Fields.LAST_NAME));
      p.put("emails", List.of(Map.of("value", c.get(Contact.Fields.EMAIL), "primary", true, "label", "work")));
      p.put("phones", List.of(Map.of("value", c.get(Contact.Fields.PHONE), "primary", true, "label", "work")));
      p.put("job_title", c.get(Contact.Fields.TITLE));
      Map<String, Object> address = new HashMap<>();
      address.put("value", c.get(Contact.Fields.STREET) + ", " + c.get(Contact.Fields.CITY));
      address.put("route", c.get(Contact.Fields.STREET));
      address.put("locality", c.get(Contact.Fields.CITY));
      address.put("admin_area_level_1", c.get(Contact.Fields.STATE));
      address.put("postal_code", c.get(Contact.Fields.POSTAL_CODE));
      address.put("country", c.get(Contact.Fields.COUNTRY));
      p.put("postal_address", address);
      p.put("org_id", orgs.get(c.get(Contact.Fields.COMPANY).toString()));
      p.put("owner_id", OWNER);
      Map<String, Object> custom = new HashMap<>();
      if (c.containsKey(People.TIER)) {
        custom.put(tier, c.get(People.TIER));
      }
      custom.put(value, c.get(People.VALUE));
      p.put("custom_fields", custom);
      emulator.insert("persons", p);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<Long, String> orgNames = new HashMap<>();
    for (JsonNode o : emulator.records("organizations")) {
      orgNames.put(o.path("id").asLong(), o.path("name").asText());
    }
    String tier = emulator.customFieldKey("persons", People.TIER);
    String value = emulator.customFieldKey("persons", People.VALUE);
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (JsonNode p : emulator.records("persons")) {
      Map<String, Object> c = new HashMap<>();
      put(c, Contact.Fields.EMAIL, primary(p.path("emails")));
      put(c, Contact.Fields.PHONE, primary(p.path("phones")));
      put(c, Contact.Fields.FIRST_NAME, p.path("first_name").asText(null));
      put(c, Contact.Fields.LAST_NAME, p.path("last_name").asText(null));
      put(c, Contact.Fields.TITLE, p.path("job_title").asText(null));
      JsonNode a = p.path("postal_address");
      put(c, Contact.Fields.STREET, a.path("route").asText(null));
      put(c, Contact.Fields.CITY, a.path("locality").asText(null));
      put(c, Contact.Fields.STATE, a.path("admin_area_level_1").asText(null));
      put(c, Contact.Fields.POSTAL_CODE, a.path("postal_code").asText(null));
      put(c, Contact.Fields.COUNTRY, a.path("country").asText(null));
      if (p.path("org_id").isIntegralNumber()) {
        put(c, Contact.Fields.COMPANY, orgNames.get(p.get("org_id").asLong()));
      }
      if (p.path("owner_id").isIntegralNumber()) {
        c.put(Contact.Fields.OWNER_ID, p.get("owner_id").asText());
      }
      put(c, People.TIER, p.path("custom_fields").path(tier).asText(null));
      JsonNode v = p.path("custom_fields").path(value);
      if (!v.isMissingNode() && !v.isNull()) {
        c.put(People.VALUE, Emulated.number(v.asText()));
      }
      Side.once(out, c.get(Contact.Fields.EMAIL), c);
    }
    return out;
  }

  private static String primary(JsonNode list) {
    for (JsonNode e : list) {
      if (e.path("primary").asBoolean(false)) {
        return e.path("value").asText(null);
      }
    }
    return list.isArray() && !list.isEmpty() ? list.get(0).path("value").asText(null) : null;
  }

  private static void put(Map<String, Object> c, String field, String value) {
    String v = Emulated.text(value);
    if (v != null) {
      c.put(field, v);
    }
  }

  @Override
  public Set<String> holds() {
    // a person's company is the name of the organization org_id links, which the adapter writes only when told to
    // find or create organizations by name
    Set<String> s = new HashSet<>(People.STANDARD);
    s.addAll(People.CUSTOM);
    return s;
  }

  @Override
  public Set<String> seededOwners() {
    return Set.of(Long.toString(OWNER));
  }

  @Override
  public List<Injection> faults() {
    List<Injection> out = new ArrayList<>();
    for (PipedriveEmulator.Fault f : List.of(PipedriveEmulator.Fault.SERVER_ERROR, PipedriveEmulator.Fault.HTML_ERROR_PAGE, PipedriveEmulator.Fault.DROPPED_CONNECTION, PipedriveEmulator.Fault.TRUNCATED_BODY, PipedriveEmulator.Fault.RATE_LIMITED)) {
      out.add(new Injection(f.name(), () -> emulator.injectFaults(f)));
    }
    return out;
  }

  @Override
  public Counts counts() {
    Map<String, Long> refused = new HashMap<>();
    long limited = 0;
    long faults = 0;
    long tokens = 0;
    for (PipedriveEmulator.RequestLog r : emulator.requests()) {
      if (r.path().startsWith("/oauth/")) {
        tokens++;
      }
      if (r.status() == 429) {
        limited++;
      } else if (r.status() >= 400 && r.status() < 500) {
        refused.merge(r.status() + " " + r.method() + " " + r.path().replaceAll("/[0-9]+", "/{id}"), 1L, Long::sum);
      }
      if (r.fault() != null) {
        faults++;
      }
    }
    return new Counts(emulator.requestCount() - tokens, tokens, refused, limited, faults);
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
