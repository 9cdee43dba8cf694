package io.crmsync.testkit.salesforce;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The fields of one emulated sObject type, and its describe document. */
final class SObjectSchema {
  final String name;
  final String label;
  final String keyPrefix;
  final boolean custom;
  private final Map<String, FieldDef> fields = new LinkedHashMap<>();

  // Picklist values as the describes recorded from a real org list them (cumulusci-cassettes, shared_cassettes)
  private static final List<String> SALUTATIONS = List.of("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.");
  private static final List<String> LEAD_SOURCES = List.of("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other");
  private static final List<String> CLEAN_STATUSES =
      List.of("Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch", "Skipped");
  private static final List<String> ACCOUNT_TYPES = List.of("Prospect", "Customer - Direct", "Customer - Channel",
      "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other");
  private static final List<String> INDUSTRIES = List.of("Agriculture", "Apparel", "Banking", "Biotechnology",
      "Chemicals", "Communications", "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
      "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality",
      "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping",
      "Technology", "Telecommunications", "Transportation", "Utilities", "Other");
  private static final List<String> STAGES = List.of("Prospecting", "Qualification", "Needs Analysis",
      "Value Proposition", "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review",
      "Closed Won", "Closed Lost");
  private static final List<String> OPPORTUNITY_TYPES = List.of("Existing Customer - Upgrade",
      "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer");

  SObjectSchema(String name, String label, String keyPrefix, boolean custom) {
    this.name = name;
    this.label = label;
    this.keyPrefix = keyPrefix;
    this.custom = custom;
    add(FieldDef.system("Id", FieldType.ID, label + " ID"));
    add(FieldDef.system("IsDeleted", FieldType.BOOLEAN, "Deleted"));
  }

  SObjectSchema add(FieldDef f) {
    fields.put(f.name().toLowerCase(Locale.ROOT), f);
    return this;
  }

  /** The field, found regardless of case as Salesforce does, or null. */
  @Nullable FieldDef field(String name) {
    return fields.get(name.toLowerCase(Locale.ROOT));
  }

  Collection<FieldDef> fields() {
    return fields.values();
  }

  /** The reference field whose relationship is called {@code relationshipName}, or null. */
  @Nullable FieldDef relationship(String relationshipName) {
    for (FieldDef f : fields.values()) {
      if (f.relationshipName() != null && f.relationshipName().equalsIgnoreCase(relationshipName)) {
        return f;
      }
    }
    return null;
  }

  private SObjectSchema audit() {
    add(FieldDef.reference("OwnerId", "Owner ID", "User", "Owner", true));
    add(FieldDef.system("CreatedDate", FieldType.DATETIME, "Created Date"));
    add(new FieldDef("CreatedById", FieldType.REFERENCE, "Created By ID", 18, false, false, false, false, true, false,
        false, false, "User", "CreatedBy"));
    add(FieldDef.system("LastModifiedDate", FieldType.DATETIME, "Last Modified Date"));
    add(new FieldDef("LastModifiedById", FieldType.REFERENCE, "Last Modified By ID", 18, false, false, false, false,
        true, false, false, false, "User", "LastModifiedBy"));
    add(FieldDef.system("SystemModstamp", FieldType.DATETIME, "System Modstamp"));
    return this;
  }

  static SObjectSchema contact() {
    SObjectSchema s = new SObjectSchema("Contact", "Contact", "003", false);
    s.add(FieldDef.reference("AccountId", "Account ID", "Account", "Account", false));
    s.add(FieldDef.required("LastName", FieldType.STRING, "Last Name", 80));
    s.add(FieldDef.standard("FirstName", FieldType.STRING, "First Name", 40));
    s.add(FieldDef.standard("Salutation", FieldType.PICKLIST, "Salutation", 40).withPicklist(SALUTATIONS, false));
    s.add(new FieldDef("Name", FieldType.STRING, "Full Name", 121, false, false, false, false, false, false, false,
        false, null, null));
    s.add(FieldDef.standard("MailingStreet", FieldType.TEXTAREA, "Mailing Street", 255));
    s.add(FieldDef.standard("MailingCity", FieldType.STRING, "Mailing City", 40));
    s.add(FieldDef.standard("MailingState", FieldType.STRING, "Mailing State/Province", 80));
    s.add(FieldDef.standard("MailingPostalCode", FieldType.STRING, "Mailing Zip/Postal Code", 20));
    s.add(FieldDef.standard("MailingCountry", FieldType.STRING, "Mailing Country", 80));
    s.add(FieldDef.standard("Phone", FieldType.PHONE, "Business Phone", 40));
    s.add(FieldDef.standard("MobilePhone", FieldType.PHONE, "Mobile Phone", 40));
    s.add(FieldDef.standard("Email", FieldType.EMAIL, "Email", 80).asIdLookup());
    s.add(FieldDef.standard("Title", FieldType.STRING, "Title", 128));
    s.add(FieldDef.standard("Department", FieldType.STRING, "Department", 80));
    s.add(FieldDef.standard("LeadSource", FieldType.PICKLIST, "Lead Source", 255).withPicklist(LEAD_SOURCES, false));
    s.add(FieldDef.standard("Description", FieldType.TEXTAREA, "Contact Description", 32_000));
    s.add(FieldDef.standard("HasOptedOutOfEmail", FieldType.BOOLEAN, "Email Opt Out", 0));
    // a restricted standard picklist, as the recorded describe has it (restrictedPicklist: true)
    s.add(FieldDef.standard("CleanStatus", FieldType.PICKLIST, "Clean Status", 40).withPicklist(CLEAN_STATUSES, true));
    return s.audit();
  }

  static SObjectSchema account() {
    SObjectSchema s = new SObjectSchema("Account", "Account", "001", false);
    s.add(FieldDef.required("Name", FieldType.STRING, "Account Name", 255));
    s.add(FieldDef.standard("Type", FieldType.PICKLIST, "Account Type", 40).withPicklist(ACCOUNT_TYPES, false));
    s.add(FieldDef.standard("BillingStreet", FieldType.TEXTAREA, "Billing Street", 255));
    s.add(FieldDef.standard("BillingCity", FieldType.STRING, "Billing City", 40));
    s.add(FieldDef.standard("BillingState", FieldType.STRING, "Billing State/Province", 80));
    s.add(FieldDef.standard("BillingPostalCode", FieldType.STRING, "Billing Zip/Postal Code", 20));
    s.add(FieldDef.standard("BillingCountry", FieldType.STRING, "Billing Country", 80));
    s.add(FieldDef.standard("Phone", FieldType.PHONE, "Account Phone", 40));
    s.add(FieldDef.standard("Website", FieldType.URL, "Website", 255));
    s.add(FieldDef.standard("Industry", FieldType.PICKLIST, "Industry", 40).withPicklist(INDUSTRIES, false));
    s.add(FieldDef.standard("AnnualRevenue", FieldType.CURRENCY, "Annual Revenue", 0));
    s.add(FieldDef.standard("NumberOfEmployees", FieldType.INT, "Employees", 0));
    s.add(FieldDef.standard("Description", FieldType.TEXTAREA, "Account Description", 32_000));
    return s.audit();
  }

  static SObjectSchema opportunity() {
    SObjectSchema s = new SObjectSchema("Opportunity", "Opportunity", "006", false);
    s.add(FieldDef.reference("AccountId", "Account ID", "Account", "Account", false));
    s.add(FieldDef.required("Name", FieldType.STRING, "Name", 120).asIdLookup());
    s.add(FieldDef.standard("Description", FieldType.TEXTAREA, "Description", 32_000));
    s.add(FieldDef.required("StageName", FieldType.PICKLIST, "Stage", 255).withPicklist(STAGES, false));
    s.add(FieldDef.standard("Amount", FieldType.CURRENCY, "Amount", 0));
    s.add(new FieldDef("Probability", FieldType.PERCENT, "Probability (%)", 0, false, true, true, true, true, false,
        false, false, null, null));
    s.add(FieldDef.required("CloseDate", FieldType.DATE, "Close Date", 0));
    s.add(FieldDef.standard("Type", FieldType.PICKLIST, "Opportunity Type", 255).withPicklist(OPPORTUNITY_TYPES, false));
    s.add(FieldDef.standard("LeadSource", FieldType.PICKLIST, "Lead Source", 255).withPicklist(LEAD_SOURCES, false));
    return s.audit();
  }

  static SObjectSchema customObject(String name) {
    String label = name.replaceAll("__c$", "").replace('_', ' ');
    SObjectSchema s = new SObjectSchema(name, label, "a0" + (char) ('A' + Math.floorMod(name.hashCode(), 26)), true);
    s.add(FieldDef.standard("Name", FieldType.STRING, label + " Name", 80));
    return s.audit();
  }

  /** The describe document, with the keys a real org returns. */
  ObjectNode describe(ObjectMapper mapper, String version) {
    ObjectNode d = mapper.createObjectNode();
    d.putArray("actionOverrides");
    d.put("activateable", false);
    d.putNull("associateEntityType");
    d.putNull("associateParentEntity");
    d.putArray("childRelationships");
    d.put("compactLayoutable", true);
    d.put("createable", true);
    d.put("custom", custom);
    d.put("customSetting", false);
    d.put("deepCloneable", false);
    d.putNull("defaultImplementation");
    d.put("deletable", true);
    d.put("deprecatedAndHidden", false);
    d.putNull("extendedBy");
    d.putNull("extendsInterfaces");
    d.put("feedEnabled", false);
    ArrayNode fs = d.putArray("fields");
    for (FieldDef f : fields.values()) {
      fs.add(describeField(mapper, f));
    }
    d.put("hasSubtypes", false);
    d.putNull("implementedBy");
    d.putNull("implementsInterfaces");
    d.put("isInterface", false);
    d.put("isSubtype", false);
    d.put("keyPrefix", keyPrefix);
    d.put("label", label);
    d.put("labelPlural", label.endsWith("y") ? label.substring(0, label.length() - 1) + "ies" : label + "s");
    d.put("layoutable", true);
    d.put("listviewable", true);
    d.put("lookupLayoutable", true);
    d.put("mergeable", !custom);
    d.put("mruEnabled", true);
    d.put("name", name);
    d.putArray("namedLayoutInfos");
    d.putNull("networkScopeFieldName");
    d.put("queryable", true);
    d.putArray("recordTypeInfos");
    d.put("replicateable", true);
    d.put("retrieveable", true);
    d.put("searchLayoutable", true);
    d.put("searchable", true);
    d.put("sobjectDescribeOption", "FULL");
    d.putArray("supportedScopes");
    d.put("triggerable", true);
    d.put("undeletable", true);
    d.put("updateable", true);
    ObjectNode urls = d.putObject("urls");
    String base = "/services/data/v" + version + "/sobjects/" + name;
    urls.put("compactLayouts", base + "/describe/compactLayouts");
    urls.put("rowTemplate", base + "/{ID}");
    urls.put("describe", base + "/describe");
    urls.put("sobject", base);
    return d;
  }

  private static ObjectNode describeField(ObjectMapper mapper, FieldDef f) {
    ObjectNode n = mapper.createObjectNode();
    boolean text = f.type().isText();
    n.put("aggregatable", f.type() != FieldType.TEXTAREA);
    n.put("aiPredictionField", false);
    n.put("autoNumber", false);
    n.put("byteLength", text ? f.length() * 3 : 0);
    n.put("calculated", false);
    n.putNull("calculatedFormula");
    n.put("cascadeDelete", false);
    n.put("caseSensitive", false);
    n.putNull("compoundFieldName");
    n.putNull("controllerName");
    n.put("createable", f.createable());
    n.put("custom", f.custom());
    if (f.type() == FieldType.BOOLEAN) {
      n.put("defaultValue", false);
    } else {
      n.putNull("defaultValue");
    }
    n.putNull("defaultValueFormula");
    n.put("defaultedOnCreate", f.defaultedOnCreate());
    n.put("dependentPicklist", false);
    n.put("deprecatedAndHidden", false);
    n.put("digits", f.type() == FieldType.INT ? 9 : 0);
    n.put("displayLocationInDecimal", false);
    n.put("encrypted", false);
    n.put("externalId", f.externalId());
    n.putNull("extraTypeInfo");
    n.put("filterable", f.type() != FieldType.TEXTAREA);
    n.putNull("filteredLookupInfo");
    n.put("formulaTreatNullNumberAsZero", false);
    n.put("groupable", text && f.type() != FieldType.TEXTAREA);
    n.put("highScaleNumber", false);
    n.put("htmlFormatted", false);
    n.put("idLookup", f.idLookup());
    n.putNull("inlineHelpText");
    n.put("label", f.label());
    n.put("length", text ? f.length() : 0);
    n.putNull("mask");
    n.putNull("maskType");
    n.put("name", f.name());
    n.put("nameField", f.name().equals("Name"));
    n.put("namePointing", false);
    n.put("nillable", f.nillable());
    n.put("permissionable", f.nillable() && f.createable());
    ArrayNode values = n.putArray("picklistValues");
    for (String v : f.picklistValues()) {
      ObjectNode pv = values.addObject();
      pv.put("active", true);
      pv.put("defaultValue", false);
      pv.put("label", v);
      pv.putNull("validFor");
      pv.put("value", v);
    }
    n.put("polymorphicForeignKey", false);
    n.put("precision", f.type() == FieldType.CURRENCY || f.type() == FieldType.DOUBLE ? 18 : 0);
    n.put("queryByDistance", false);
    n.putNull("referenceTargetField");
    ArrayNode refs = n.putArray("referenceTo");
    if (f.referenceTo() != null) {
      refs.add(f.referenceTo());
    }
    if (f.relationshipName() != null) {
      n.put("relationshipName", f.relationshipName());
    } else {
      n.putNull("relationshipName");
    }
    n.putNull("relationshipOrder");
    n.put("restrictedDelete", false);
    n.put("restrictedPicklist", f.restrictedPicklist());
    n.put("scale", f.type() == FieldType.CURRENCY || f.type() == FieldType.DOUBLE ? 2 : 0);
    n.put("searchPrefilterable", f.type() == FieldType.REFERENCE);
    n.put("soapType", f.type().soapType());
    n.put("sortable", f.type() != FieldType.TEXTAREA);
    n.put("type", f.type().describeName());
    n.put("unique", f.unique());
    n.put("updateable", f.updateable());
    n.put("writeRequiresMasterRead", false);
    return n;
  }

  List<String> fieldNames() {
    List<String> names = new ArrayList<>();
    for (FieldDef f : fields.values()) {
      names.add(f.name());
    }
    return names;
  }
}
