package io.crmsync;

/**
 * A setting is missing or malformed. The message names the setting and where it can be given (property,
 * environment variable); it never shows a secret's value.
 */
public class CrmConfigurationException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  public CrmConfigurationException(String component, String message) {
    super(component, message);
  }
}
