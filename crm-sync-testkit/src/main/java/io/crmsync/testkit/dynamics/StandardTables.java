package io.crmsync.testkit.dynamics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard tables the emulator starts with, their columns as the generated table reference pages list them
 * (type, {@code MaxLength}, {@code RequiredLevel}, {@code IsValidForCreate}/{@code IsValidForUpdate}, lookup
 * targets, choices). Only the columns integrations commonly read and write are declared; more can be added with
 * {@link DataverseEmulator.Builder#column}.
 */
final class StandardTables {
  private StandardTables() {}

  /** Logical names of the tables that exist in every org. */
  static final List<String> NAMES = List.of("contact", "account", "systemuser", "team");

  static List<TableSpec> all() {
    return List.of(contact(), account(), systemUser(), team());
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/contact */
  static TableSpec contact() {
    TableSpec t = new TableSpec("contact", "contacts", false).primaryName("fullname");
    t.changeTracking(true);
    t.column(ColumnSpec.uniqueIdentifier("contactid").createOnly());
    t.column(ColumnSpec.string("firstname", 50).recommended());
    t.column(ColumnSpec.string("lastname", 50).required());
    t.column(ColumnSpec.string("middlename", 50));
    // fullname is composed by Dataverse from the name parts
    t.column(ColumnSpec.string("fullname", 160).readOnly());
    t.column(ColumnSpec.string("emailaddress1", 100).email());
    t.column(ColumnSpec.string("emailaddress2", 100).email());
    t.column(ColumnSpec.string("emailaddress3", 100).email());
    t.column(ColumnSpec.string("telephone1", 50).phone());
    t.column(ColumnSpec.string("telephone2", 50).phone());
    t.column(ColumnSpec.string("mobilephone", 50).phone());
    // "Company Phone" on the reference page, despite the name
    t.column(ColumnSpec.string("company", 50).phone());
    t.column(ColumnSpec.string("jobtitle", 100));
    t.column(ColumnSpec.string("department", 100));
    // BirthDate: DateTime, DateOnly behaviour (the reference page); the Postman collection orders by it
    t.column(ColumnSpec.dateTime("birthdate"));
    t.column(ColumnSpec.string("websiteurl", 200).url());
    addressColumns(t);
    t.column(ColumnSpec.memo("description", 2000));
    t.column(ColumnSpec.picklist("gendercode", options(1, "Male", 2, "Female")));
    t.column(ColumnSpec.picklist("preferredcontactmethodcode", options(1, "Any", 2, "Email", 3, "Phone", 4, "Fax", 5, "Mail")));
    t.column(ColumnSpec.integer("numberofchildren"));
    t.column(ColumnSpec.money("creditlimit"));
    t.column(ColumnSpec.bool("donotemail"));
    t.column(ColumnSpec.reference("parentcustomerid", ColumnType.CUSTOMER, List.of("account", "contact"),
        nav("account", "parentcustomerid_account", "contact", "parentcustomerid_contact")));
    systemColumns(t);
    return t;
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/account */
  static TableSpec account() {
    TableSpec t = new TableSpec("account", "accounts", false).primaryName("name");
    t.changeTracking(true);
    t.column(ColumnSpec.uniqueIdentifier("accountid").createOnly());
    t.column(ColumnSpec.string("name", 160).required());
    t.column(ColumnSpec.string("accountnumber", 20));
    t.column(ColumnSpec.string("emailaddress1", 100).email());
    t.column(ColumnSpec.string("telephone1", 50).phone());
    t.column(ColumnSpec.string("fax", 50));
    t.column(ColumnSpec.string("websiteurl", 200).url());
    addressColumns(t);
    t.column(ColumnSpec.memo("description", 2000));
    Map<Integer, String> industries = new LinkedHashMap<>();
    String[] labels = {"Accounting", "Agriculture and Non-petrol Natural Resource Extraction",
      "Broadcasting Printing and Publishing", "Brokers", "Building Supply Retail", "Business Services", "Consulting",
      "Consumer Services", "Design, Direction and Creative Management", "Distributors, Dispatchers and Processors",
      "Doctor's Offices and Clinics", "Durable Manufacturing", "Eating and Drinking Places", "Entertainment Retail",
      "Equipment Rental and Leasing", "Financial", "Food and Tobacco Processing", "Inbound Capital Intensive Processing",
      "Inbound Repair and Services", "Insurance", "Legal Services", "Non-Durable Merchandise Retail",
      "Outbound Consumer Service", "Petrochemical Extraction and Distribution", "Service Retail", "SIG Affiliations",
      "Social Services", "Special Outbound Trade Contractors", "Specialty Realty", "Transportation",
      "Utility Creation and Distribution", "Vehicle Retail", "Wholesale"};
    for (int i = 0; i < labels.length; i++) {
      industries.put(i + 1, labels[i]);
    }
    t.column(ColumnSpec.picklist("industrycode", industries));
    t.column(ColumnSpec.picklist("ownershipcode", options(1, "Public", 2, "Private", 3, "Subsidiary", 4, "Other")));
    t.column(ColumnSpec.money("revenue"));
    t.column(ColumnSpec.integer("numberofemployees"));
    t.column(ColumnSpec.lookup("primarycontactid", "contact"));
    t.column(ColumnSpec.lookup("parentaccountid", "account"));
    systemColumns(t);
    return t;
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser */
  static TableSpec systemUser() {
    TableSpec t = new TableSpec("systemuser", "systemusers", false).primaryName("fullname");
    t.column(ColumnSpec.uniqueIdentifier("systemuserid").createOnly());
    t.column(ColumnSpec.string("firstname", 256));
    t.column(ColumnSpec.string("lastname", 256));
    t.column(ColumnSpec.string("fullname", 200).readOnly());
    t.column(ColumnSpec.string("internalemailaddress", 100).email());
    t.column(ColumnSpec.string("applicationid", 100).readOnly());
    t.column(ColumnSpec.dateTime("createdon").readOnly());
    t.column(ColumnSpec.dateTime("modifiedon").readOnly());
    t.column(ColumnSpec.bigInt("versionnumber").readOnly());
    return t;
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/team */
  static TableSpec team() {
    TableSpec t = new TableSpec("team", "teams", false).primaryName("name");
    t.column(ColumnSpec.uniqueIdentifier("teamid").createOnly());
    t.column(ColumnSpec.string("name", 160).required());
    t.column(ColumnSpec.dateTime("createdon").readOnly());
    t.column(ColumnSpec.dateTime("modifiedon").readOnly());
    t.column(ColumnSpec.bigInt("versionnumber").readOnly());
    return t;
  }

  /** The columns every user-owned table has: owner, status, audit stamps and the row version. */
  static void systemColumns(TableSpec t) {
    t.column(ColumnSpec.reference("ownerid", ColumnType.OWNER, List.of("systemuser", "team"),
        nav("systemuser", "ownerid", "team", "ownerid")));
    // statecode is not valid for create; statuscode is
    t.column(ColumnSpec.optionSet("statecode", ColumnType.STATE, options(0, "Active", 1, "Inactive")).updateOnly());
    t.column(ColumnSpec.optionSet("statuscode", ColumnType.STATUS, options(1, "Active", 2, "Inactive")));
    t.column(ColumnSpec.dateTime("createdon").readOnly());
    t.column(ColumnSpec.dateTime("modifiedon").readOnly());
    t.column(ColumnSpec.lookup("createdby", "systemuser").readOnly());
    t.column(ColumnSpec.lookup("modifiedby", "systemuser").readOnly());
    t.column(ColumnSpec.bigInt("versionnumber").readOnly());
  }

  private static void addressColumns(TableSpec t) {
    t.column(ColumnSpec.string("address1_line1", 250));
    t.column(ColumnSpec.string("address1_line2", 250));
    t.column(ColumnSpec.string("address1_line3", 250));
    t.column(ColumnSpec.string("address1_city", 80));
    t.column(ColumnSpec.string("address1_stateorprovince", 50));
    t.column(ColumnSpec.string("address1_postalcode", 20));
    t.column(ColumnSpec.string("address1_country", 80));
  }

  private static Map<Integer, String> options(Object... pairs) {
    Map<Integer, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((Integer) pairs[i], (String) pairs[i + 1]);
    }
    return m;
  }

  private static Map<String, String> nav(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }
}
