package io.crmsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every snippet the README quotes is this module's code, as it compiles and its tests run it: each region
 * between {@code // README:<name>:start} and {@code // README:<name>:end} in the examples' sources appears
 * in the README word for word, less its indentation.
 */
class ReadmeSnippetsTest {
  private static final Pattern REGION = Pattern.compile(
      "^([ \\t]*)// README:([\\w-]+):start\\R(.*?)^[ \\t]*// README:\\2:end", Pattern.MULTILINE | Pattern.DOTALL);

  @Test
  void everyMarkedSnippetIsQuotedAsItIs() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    Map<String, String> snippets = new LinkedHashMap<>();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      sources = files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
    for (Path source : sources) {
      Matcher m = REGION.matcher(Files.readString(source, StandardCharsets.UTF_8));
      while (m.find()) {
        snippets.put(source.getFileName() + " " + m.group(2), dedent(m.group(3), m.group(1).length()));
      }
    }

    assertThat(snippets).containsKeys("QuickStart.java quickstart", "AcmeCrmProvider.java spi");
    assertThat(snippets).allSatisfy((where, snippet) -> assertThat(readme.contains(snippet))
        .as("the README quotes %s as it is:%n%s", where, snippet).isTrue());
  }

  private static String dedent(String text, int indent) {
    return text.lines().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
