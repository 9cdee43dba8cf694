package io.crmsync.benchmarks.quality;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import no.priv.garshol.duke.Cleaner;

/**
 * The cleaners a Duke user would write for CRM contacts, as implementations of Duke's own {@link Cleaner}
 * interface: Duke ships general ones ({@code LowerCaseNormalizeCleaner}, a Norwegian-minded {@code
 * PhoneNumberCleaner}) but nothing for emails, US phones, company legal forms or English nicknames, so a
 * hand-tuner adds these. Everything here is written from general knowledge of contact data, not read
 * from either generator, and is applied to Duke's input only.
 */
final class DukeCleaners {
  private DukeCleaners() {}

  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_WORD = Pattern.compile("[^a-z0-9 ]+");
  private static final Pattern SPACES = Pattern.compile("\\s+");

  /** Lower case, accents and punctuation removed, spaces collapsed; what {@code LowerCaseNormalizeCleaner} does, plus punctuation. */
  static String fold(String s) {
    String t = Normalizer.normalize(s, Normalizer.Form.NFD);
    t = MARKS.matcher(t).replaceAll("").toLowerCase(Locale.ROOT).replace('ø', 'o').replace('ß', 's');
    t = t.replace('-', ' ').replace('\'', ' ').replace('’', ' ');
    t = NOT_WORD.matcher(t).replaceAll("");
    return SPACES.matcher(t).replaceAll(" ").trim();
  }

  /** Surnames: folded, apostrophes and hyphens closed up (O'Brien = OBrien = O Brien). */
  static final Cleaner SURNAME = v -> fold(v.replace("'", "").replace("’", "")).replace(" ", "");

  /** Given names: folded, with a trailing middle initial dropped ("John A." is John). */
  static final Cleaner GIVEN = v -> {
    String t = fold(v);
    int sp = t.indexOf(' ');
    if (sp > 0) {
      String[] parts = t.split(" ");
      StringBuilder b = new StringBuilder(parts[0]);
      for (int k = 1; k < parts.length; k++) {
        if (parts[k].length() > 1) {
          b.append(' ').append(parts[k]);
        }
      }
      t = b.toString();
    }
    return t;
  };

  private static final Set<String> ROLE_MAILBOXES = Set.of("info", "sales", "office", "hello", "contact",
      "admin", "support", "team", "marketing", "hr", "accounts", "billing", "enquiries", "inquiries", "mail",
      "reception", "service", "help", "jobs", "careers", "orders", "press", "media", "news", "noreply");

  /**
   * Emails: lower case, plus-tags dropped, dots in Gmail local parts dropped; with {@code dropRoles}, role
   * mailboxes (info@, sales@ ...) become empty, since they name a company and not a person.
   */
  static Cleaner email(boolean dropRoles) {
    return v -> {
      String t = v.trim().toLowerCase(Locale.ROOT);
      int at = t.lastIndexOf('@');
      if (at <= 0) {
        return t;
      }
      String local = t.substring(0, at);
      String domain = t.substring(at + 1);
      int plus = local.indexOf('+');
      if (plus > 0) {
        local = local.substring(0, plus);
      }
      if (domain.equals("gmail.com") || domain.equals("googlemail.com")) {
        local = local.replace(".", "");
        domain = "gmail.com";
      }
      if (dropRoles && ROLE_MAILBOXES.contains(local)) {
        return "";
      }
      return local + "@" + domain;
    };
  }

  private static final Pattern EXTENSION = Pattern.compile("(?i)\\s*(ext\\.?|extension|x|#)\\s*\\d+\\s*$");

  /**
   * Phones: extension dropped, digits only, then the last {@code digits} digits, so that +1 (415) 555-0100,
   * 415.555.0100 and 1-415-555-0100 agree, and +49 30 1234567 agrees with 030 1234567 at 9 digits.
   */
  static Cleaner phone(int digits) {
    return v -> {
      String t = EXTENSION.matcher(v).replaceAll("");
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < t.length(); k++) {
        char c = t.charAt(k);
        if (c >= '0' && c <= '9') {
          b.append(c);
        }
      }
      return b.length() <= digits ? b.toString() : b.substring(b.length() - digits);
    };
  }

  private static final Set<String> LEGAL_FORMS = Set.of("inc", "incorporated", "corp", "corporation", "llc", "llp",
      "ltd", "limited", "co", "company", "gmbh", "plc", "group", "sa", "ag", "lp", "pllc", "the");

  /** Companies: folded, "&" as "and", legal forms (Inc, Corp., LLC, GmbH, Group ...) dropped. */
  static final Cleaner COMPANY = v -> {
    String t = fold(v.replace("&", " and "));
    List<String> kept = new ArrayList<>();
    for (String w : t.split(" ")) {
      if (!w.isEmpty() && !LEGAL_FORMS.contains(w)) {
        kept.add(w);
      }
    }
    return String.join(" ", kept);
  };

  private static final Map<String, String> CITY_ALIASES = Map.ofEntries(Map.entry("nyc", "new york"),
      Map.entry("new york city", "new york"), Map.entry("sf", "san francisco"), Map.entry("la", "los angeles"),
      Map.entry("philly", "philadelphia"), Map.entry("dc", "washington"), Map.entry("washington dc", "washington"),
      Map.entry("munchen", "munich"), Map.entry("muenchen", "munich"), Map.entry("koln", "cologne"),
      Map.entry("wien", "vienna"), Map.entry("praha", "prague"), Map.entry("roma", "rome"),
      Map.entry("milano", "milan"), Map.entry("lisboa", "lisbon"));

  /** Cities: folded, St/Ft spelt out, a few common aliases (NYC, Munchen). */
  static final Cleaner CITY = v -> {
    String t = fold(v);
    t = t.replaceAll("^st ", "saint ").replaceAll("^ft ", "fort ").replaceAll("^mt ", "mount ");
    return CITY_ALIASES.getOrDefault(t, t);
  };

  /** Free text (titles, states): folded. */
  static final Cleaner TEXT = DukeCleaners::fold;

  /**
   * The formal names a given name may stand for, from general English usage; a Duke user feeds them
   * as extra values of the given-name property, so that Duke's best-of-all-values comparison matches
   * Bob with Robert.
   */
  private static final Map<String, List<String>> NICKNAMES = nicknames(
      "bob,bobby,rob,robbie,robby,bert=robert;bill,billy,will,willie,willy,liam=william;jim,jimmy,jamie=james;"
      + "mike,mikey,mick,mickey=michael;dave,davey=david;dick,rick,ricky,rich,richie=richard;joe,joey=joseph;"
      + "tom,tommy=thomas;chuck,charlie=charles;chris=christopher,christine,christina;dan,danny=daniel;"
      + "matt=matthew;tony=anthony;don,donnie=donald;steve,stevie=steven,stephen;andy,drew=andrew;"
      + "josh=joshua;ken,kenny=kenneth;greg=gregory;sam,sammy=samuel,samantha;nick,nicky=nicholas,nicole;"
      + "ben,benny=benjamin;alex=alexander,alexandra,alexis;ed,eddie,ted,ned=edward;larry=lawrence;"
      + "jerry=gerald,jeremy,jerome;terry=terence,teresa,theresa;tim,timmy=timothy;ron,ronnie=ronald;"
      + "jack,johnny,jon=john,jonathan;frank,frankie=francis,franklin,frances;pete=peter;phil=philip,phillip;"
      + "ray=raymond;walt=walter;al=albert,alan,allen;gene=eugene;russ=russell;doug=douglas;jeff=jeffrey;"
      + "jake=jacob;zach,zack=zachary;nate=nathan,nathaniel;pat=patrick,patricia;fred,freddie=frederick;"
      + "hank=henry;harry=henry,harold;gabe=gabriel;vince=vincent;randy=randall,randolph;wes=wesley;"
      + "liz,lizzie,beth,betsy,betty,eliza,libby=elizabeth;kate,katie,kathy,cathy,kat,kay=katherine,"
      + "kathryn,catherine,kathleen;peggy,maggie,meg,marge,margie=margaret;sue,susie,suzy=susan,suzanne;"
      + "jen,jenny,jenn=jennifer;jess,jessie=jessica;becky,becca=rebecca;patty,trish,tricia=patricia;"
      + "pam=pamela;debbie,deb=deborah,debra;cindy=cynthia;mandy=amanda;vicky,vicki,tori=victoria;"
      + "sandy=sandra;barb,barbie=barbara;dot,dottie=dorothy;judy=judith;kim=kimberly;abby=abigail;"
      + "ally=allison,alice;annie=ann,anna;angie=angela;carrie=caroline,carolyn;chrissy=christine,christina;"
      + "mel=melissa,melanie;steph=stephanie;val=valerie;tina=christina;jackie=jacqueline;"
      + "maddie=madison;nat=natalie;ellie=eleanor,ellen;lou=louis,louise");

  private static Map<String, List<String>> nicknames(String spec) {
    Map<String, List<String>> m = new java.util.HashMap<>();
    for (String group : spec.split(";")) {
      String[] sides = group.split("=");
      for (String nick : sides[0].split(",")) {
        List<String> formal = m.computeIfAbsent(nick, k -> new ArrayList<>());
        for (String f : sides[1].split(",")) {
          if (!f.equals(nick)) {
            formal.add(f);
          }
        }
      }
    }
    return Map.copyOf(m);
  }

  /** The cleaned given name, then the formal names it may be short for (first token only). */
  static List<String> givenNameValues(String cleaned, boolean nicknames) {
    Set<String> out = new LinkedHashSet<>();
    out.add(cleaned);
    if (nicknames && !cleaned.isEmpty()) {
      String first = cleaned.split(" ")[0];
      out.add(first);
      out.addAll(NICKNAMES.getOrDefault(first, List.of()));
    }
    out.remove("");
    return List.copyOf(out);
  }
}
