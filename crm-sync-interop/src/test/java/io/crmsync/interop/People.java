package io.crmsync.interop;

import io.crmsync.model.Contact;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The contacts the tests seed, as canonical fields ({@link Contact.Fields}) plus two custom fields that every CRM
 * under test declares under the same name: a text and a number. Values fit the shortest limit any of the six CRMs
 * documents for the field (Salesforce's 40-character city, Zoho's 30-character phone) and use one word per name part,
 * since Pipedrive keeps a person's name whole and splits it itself.
 */
final class People {
  /** A custom text field, a name every CRM takes: lower case for HubSpot and Dataverse, {@code __c} for Salesforce. */
  static final String TIER = "loyalty_tier__c";
  /** A custom number field. */
  static final String VALUE = "lifetime_value__c";
  /** Both custom fields. */
  static final Set<String> CUSTOM = Set.of(TIER, VALUE);
  /** The standard fields a contact of every CRM under test holds as a writable value of its own. */
  static final Set<String> STANDARD = Set.of(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME, Contact.Fields.LAST_NAME,
      Contact.Fields.PHONE, Contact.Fields.TITLE, Contact.Fields.STREET, Contact.Fields.CITY, Contact.Fields.STATE,
      Contact.Fields.POSTAL_CODE, Contact.Fields.COUNTRY);

  private static final String[] TITLES = {"Engineer", "Buyer", "Head of Sales", "Director", "Analyst"};
  private static final String[] COUNTRIES = {"United Kingdom", "France", "Germany"};
  /** How many companies the contacts belong to. */
  static final int COMPANIES = 50;

  private People() {}

  /** The name of company {@code j}. */
  static String company(int j) {
    return "Company " + j;
  }

  /**
   * Contact {@code i} of a set whose emails start with {@code tag}: every standard field, the company's name, and the
   * custom fields (the text one missing on every seventh contact, so that an absent value is compared too).
   */
  static Map<String, Object> contact(String tag, int i) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(Contact.Fields.EMAIL, tag + i + "@example.com");
    c.put(Contact.Fields.FIRST_NAME, "First" + i);
    c.put(Contact.Fields.LAST_NAME, "Last" + (i % 997));
    c.put(Contact.Fields.COMPANY, company(i % COMPANIES));
    c.put(Contact.Fields.PHONE, String.format(Locale.ROOT, "+44 20 7946 %04d", i % 10_000));
    c.put(Contact.Fields.TITLE, TITLES[i % TITLES.length]);
    c.put(Contact.Fields.STREET, (i % 200 + 1) + " High Street");
    c.put(Contact.Fields.CITY, "City " + (i % 31));
    c.put(Contact.Fields.STATE, "State " + (i % 7));
    c.put(Contact.Fields.POSTAL_CODE, "Z" + (i % 1000));
    c.put(Contact.Fields.COUNTRY, COUNTRIES[i % COUNTRIES.length]);
    if (i % 7 != 3) {
      c.put(TIER, "tier-" + (i % 5));
    }
    c.put(VALUE, BigDecimal.valueOf(i * 125L + 1, 2));
    return c;
  }

  /** Contacts 0 to {@code n - 1} of the set {@code tag}. */
  static List<Map<String, Object>> contacts(String tag, int n) {
    List<Map<String, Object>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(contact(tag, i));
    }
    return out;
  }
}
