package io.crmsync.model;

/**
 * Canonical names of the standard object types. Adapters translate them to their CRM's names ({@code
 * contacts} in HubSpot, {@code Contact} in Salesforce, {@code contacts} entity set in Dataverse); any
 * other name is passed to the CRM as it is, so custom objects work too.
 */
public final class ObjectTypes {
  /** People: {@link Contact}. */
  public static final String CONTACT = "contact";
  /** Organisations: HubSpot companies, Salesforce and Dynamics accounts. */
  public static final String COMPANY = "company";
  /** Opportunities: HubSpot deals, Salesforce and Dynamics opportunities. */
  public static final String DEAL = "deal";

  private ObjectTypes() {}
}
