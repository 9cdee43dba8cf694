package io.crmsync.testkit.dynamics;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request Dataverse refuses: the status and the {@code {"error":{"code","message"}}} body it answers with
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors).
 */
final class DvError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;
  final transient Map<String, String> headers = new LinkedHashMap<>();
  /** A plain-text body instead of the JSON error, as some refusals have. */
  final @Nullable String plainText;

  DvError(int status, String code, String message) {
    this(status, code, message, null);
  }

  private DvError(int status, String code, String message, @Nullable String plainText) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.plainText = plainText;
  }

  static DvError plain(int status, String text) {
    return new DvError(status, "", text, text);
  }

  DvError header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** 400 for a query or URL the OData parser refuses. */
  static DvError syntax() {
    // https://github.com/davidyack/Xrm.Tools.CRMWebAPI/issues/92 (a key segment that is not a key)
    return new DvError(400, "0x8006088a", "Bad Request - Error in query syntax.");
  }

  /** 404 for a row that does not exist, in the wording of the conditional-operations page. */
  static DvError notFound(String logicalName, Object id) {
    // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
    return new DvError(404, "0x80040217", logicalName + " With Id = " + id + " Does Not Exist");
  }

  /** 400 for a property the table does not have, as Dataverse words it. */
  static DvError invalidProperty(Table t, String property) {
    // https://github.com/verbb/formie/issues/1251 and
    // https://github.com/microsoft/PowerPlatform-DataverseServiceClient/issues/290
    return new DvError(400, "0x80048d19", "Error identified in Payload provided by the user for Entity :'" + t.entitySetName
        + "', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293"
        + "  ---->  InnerException : Microsoft.Crm.CrmException: Invalid property '" + property + "' was found in entity '"
        + t.typeName() + "'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.");
  }

  /** 400 for a value longer than the column's {@code MaxLength}, verbatim from the recorded batch error. */
  static DvError tooLong(Table t, ColumnSpec c) {
    // ../shared/specs/dynamics365/webapi-http-examples/execute-batch-operations-using-web-api.http, example 6
    return new DvError(400, "0x80044331", "A validation error occurred.  The length of the '" + c.logicalName
        + "' attribute of the '" + t.logicalName + "' entity exceeded the maximum allowed length of '" + c.maxLength + "'.");
  }

  /** 400 for a JSON value of the wrong type, as the OData reader words it. */
  static DvError convert(Object literal, String edmType) {
    return new DvError(400, "0x0", "Cannot convert the literal '" + literal + "' to the expected type '" + edmType + "'.");
  }
}
