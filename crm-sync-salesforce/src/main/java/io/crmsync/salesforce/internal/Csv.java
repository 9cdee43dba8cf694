package io.crmsync.salesforce.internal;

import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV, comma-delimited with LF line endings, as the adapter's Bulk API 2.0 jobs declare. */
public final class Csv {
  private Csv() {}

  public static void appendRow(StringBuilder sb, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      String c = cells.get(i);
      boolean quote = c.isEmpty() ? false
          : c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0
              || Character.isWhitespace(c.charAt(0)) || Character.isWhitespace(c.charAt(c.length() - 1));
      if (quote) {
        sb.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(c);
      }
    }
    sb.append('\n');
  }

  /**
   * @throws IllegalArgumentException if a quoted field is not closed
   */
  public static List<List<String>> parse(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    boolean started = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        started = true;
      } else if (c == ',') {
        row.add(cell.toString());
        cell.setLength(0);
        started = true;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        if (started || cell.length() > 0 || !row.isEmpty()) {
          row.add(cell.toString());
          rows.add(row);
        }
        row = new ArrayList<>();
        cell.setLength(0);
        started = false;
      } else {
        cell.append(c);
        started = true;
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quoted field in CSV");
    }
    if (started || cell.length() > 0 || !row.isEmpty()) {
      row.add(cell.toString());
      rows.add(row);
    }
    return rows;
  }
}
