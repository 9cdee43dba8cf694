package io.crmsync.testkit.zoho;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The modules and fields the emulator knows, with Zoho CRM's API names, data types and lengths.
 *
 * <p>Field attributes follow the Fields Metadata API (v8): {@code api_name}, {@code data_type}, {@code length},
 * {@code system_mandatory}, {@code read_only}, {@code custom_field}, {@code unique}, {@code pick_list_values},
 * {@code lookup.module}: https://github.com/zoho/crm-oas/blob/main/v8.0/fields/mds/examples/getFields.md
 */
final class ZohoSchema {
  private ZohoSchema() {}

  /** The data types the emulator validates, as the Fields Metadata API names them. */
  static final Set<String> DATA_TYPES = Set.of("text", "textarea", "email", "phone", "website", "integer", "bigint",
      "double", "currency", "boolean", "date", "datetime", "picklist", "multiselectpicklist", "lookup", "ownerlookup",
      "userlookup", "autonumber", "formula");

  /** One field of a module. */
  record Field(
      String apiName,
      String dataType,
      int length,
      boolean mandatory,
      boolean readOnly,
      boolean custom,
      boolean unique,
      List<String> picklistValues,
      @Nullable String lookupModule) {
    Field {
      picklistValues = List.copyOf(picklistValues);
    }

    boolean isLookup() {
      return dataType.equals("lookup") || dataType.equals("ownerlookup") || dataType.equals("userlookup");
    }

    boolean isText() {
      return switch (dataType) {
        case "text", "textarea", "email", "phone", "website", "picklist", "autonumber" -> true;
        default -> false;
      };
    }

    boolean isNumber() {
      return switch (dataType) {
        case "integer", "bigint", "double", "currency" -> true;
        default -> false;
      };
    }
  }

  /** One module: its API name, the system-defined duplicate check field, and its fields by API name. */
  static final class Module {
    final String apiName;
    final @Nullable String systemDuplicateField;
    final Map<String, Field> fields = new LinkedHashMap<>();
    private final Map<String, Field> byLowerName = new LinkedHashMap<>();

    Module(String apiName, @Nullable String systemDuplicateField) {
      this.apiName = apiName;
      this.systemDuplicateField = systemDuplicateField;
    }

    void add(Field f) {
      if (fields.containsKey(f.apiName())) {
        throw new IllegalArgumentException("module " + apiName + " already has a field " + f.apiName());
      }
      fields.put(f.apiName(), f);
      byLowerName.put(f.apiName().toLowerCase(Locale.ROOT), f);
    }

    /** A field by its exact API name (API names are case-sensitive in record bodies). */
    @Nullable Field field(String apiName) {
      return fields.get(apiName);
    }

    /** A field by API name regardless of case (COQL is not case-sensitive about names). */
    @Nullable Field fieldIgnoringCase(String apiName) {
      return byLowerName.get(apiName.toLowerCase(Locale.ROOT));
    }

    /**
     * The fields upserts check for duplicates when the request names none: the system-defined one, then the
     * user-defined unique fields, in that order.
     * https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/upsertRecords/operation.md
     */
    List<String> defaultDuplicateCheckFields() {
      List<String> out = new ArrayList<>();
      if (systemDuplicateField != null) {
        out.add(systemDuplicateField);
      }
      for (Field f : fields.values()) {
        if (f.unique() && !f.apiName().equals(systemDuplicateField)) {
          out.add(f.apiName());
        }
      }
      return Collections.unmodifiableList(out);
    }

    boolean isDuplicateCheckField(String apiName) {
      Field f = fields.get(apiName);
      return f != null && (apiName.equals(systemDuplicateField) || f.unique());
    }
  }

  static Field text(String name, int length) {
    return new Field(name, "text", length, false, false, false, false, List.of(), null);
  }

  static Field of(String name, String type, int length) {
    return new Field(name, type, length, false, false, false, false, List.of(), null);
  }

  static Field mandatory(Field f) {
    return new Field(f.apiName(), f.dataType(), f.length(), true, f.readOnly(), f.custom(), f.unique(),
        f.picklistValues(), f.lookupModule());
  }

  static Field readOnly(String name, String type) {
    return new Field(name, type, 0, false, true, false, false, List.of(), null);
  }

  static Field lookup(String name, String module) {
    return new Field(name, "lookup", 0, false, false, false, false, List.of(), module);
  }

  static Field owner() {
    return new Field("Owner", "ownerlookup", 0, false, false, false, false, List.of(), "users");
  }

  static Field picklist(String name, List<String> values) {
    return new Field(name, "picklist", 120, false, false, false, false, values, null);
  }

  private static void system(Module m) {
    m.add(owner());
    m.add(readOnly("Created_Time", "datetime"));
    m.add(readOnly("Modified_Time", "datetime"));
    m.add(readOnly("Created_By", "userlookup"));
    m.add(readOnly("Modified_By", "userlookup"));
    m.add(of("Description", "textarea", 32_000));
  }

  /**
   * The standard modules with the fields crm-sync maps, their API names and lengths as Zoho's Fields Metadata
   * API reports them, and the system-defined duplicate check fields: Leads and Contacts {@code Email}, Accounts
   * {@code Account_Name}, Deals {@code Deal_Name}.
   * https://help.zoho.com/portal/en/community/topic/kaizen-56-upsert-records-api
   */
  static Map<String, Module> standardModules() {
    Map<String, Module> out = new LinkedHashMap<>();

    Module contacts = new Module("Contacts", "Email");
    contacts.add(text("First_Name", 40));
    contacts.add(mandatory(text("Last_Name", 80)));
    contacts.add(readOnly("Full_Name", "text"));
    contacts.add(of("Email", "email", 100));
    contacts.add(of("Secondary_Email", "email", 100));
    contacts.add(of("Phone", "phone", 30));
    contacts.add(of("Mobile", "phone", 30));
    contacts.add(text("Title", 100));
    contacts.add(text("Department", 100));
    contacts.add(lookup("Account_Name", "Accounts"));
    contacts.add(text("Mailing_Street", 250));
    contacts.add(text("Mailing_City", 100));
    contacts.add(text("Mailing_State", 100));
    contacts.add(text("Mailing_Zip", 30));
    contacts.add(text("Mailing_Country", 100));
    contacts.add(picklist("Lead_Source", List.of("-None-", "Advertisement", "Cold Call", "Employee Referral",
        "External Referral", "Online Store", "Partner", "Public Relations", "Sales Email Alias", "Seminar Partner",
        "Internal Seminar", "Trade Show", "Web Download", "Web Research", "Chat")));
    contacts.add(of("Date_of_Birth", "date", 0));
    contacts.add(of("Email_Opt_Out", "boolean", 0));
    system(contacts);
    out.put(contacts.apiName, contacts);

    Module accounts = new Module("Accounts", "Account_Name");
    accounts.add(mandatory(text("Account_Name", 200)));
    accounts.add(of("Website", "website", 255));
    accounts.add(of("Phone", "phone", 30));
    accounts.add(picklist("Industry", List.of("-None-", "ASP (Application Service Provider)", "Data/Telecom OEM",
        "ERP (Enterprise Resource Planning)", "Government/Military", "Large Enterprise", "ManagementISV",
        "MSP (Management Service Provider)", "Network Equipment Enterprise", "Non-management ISV", "Optical Networking",
        "Service Provider", "Small/Medium Enterprise", "Storage Equipment", "Storage Service Provider", "Systems Integrator",
        "Wireless Industry")));
    accounts.add(of("Annual_Revenue", "currency", 0));
    accounts.add(of("Employees", "integer", 0));
    accounts.add(text("Billing_Street", 250));
    accounts.add(text("Billing_City", 100));
    accounts.add(text("Billing_State", 100));
    accounts.add(text("Billing_Code", 30));
    accounts.add(text("Billing_Country", 100));
    system(accounts);
    out.put(accounts.apiName, accounts);

    Module deals = new Module("Deals", "Deal_Name");
    deals.add(mandatory(text("Deal_Name", 120)));
    deals.add(of("Amount", "currency", 0));
    deals.add(mandatory(picklist("Stage", List.of("Qualification", "Needs Analysis", "Value Proposition",
        "Identify Decision Makers", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
        "Closed-Lost to Competition"))));
    deals.add(of("Closing_Date", "date", 0));
    deals.add(lookup("Account_Name", "Accounts"));
    system(deals);
    out.put(deals.apiName, deals);

    Module leads = new Module("Leads", "Email");
    leads.add(text("First_Name", 40));
    leads.add(mandatory(text("Last_Name", 80)));
    leads.add(of("Email", "email", 100));
    leads.add(text("Company", 200));
    leads.add(of("Phone", "phone", 30));
    leads.add(text("Designation", 100));
    system(leads);
    out.put(leads.apiName, leads);
    return out;
  }

  /** A custom module: a mandatory {@code Name}, the owner and the system fields. */
  static Module customModule(String apiName) {
    Module m = new Module(apiName, null);
    m.add(mandatory(text("Name", 120)));
    system(m);
    return m;
  }
}
