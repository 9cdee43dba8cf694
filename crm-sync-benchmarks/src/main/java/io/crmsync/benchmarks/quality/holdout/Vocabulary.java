package io.crmsync.benchmarks.quality.holdout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The word lists behind {@link HoldoutContacts}: given names by sex with rough shares among US adults of
 * working age, nicknames, surnames with census-like frequencies and a synthetic long tail, cities with
 * their area codes, company words and job titles. Written from general knowledge, not from any file of
 * this project.
 */
final class Vocabulary {
  private Vocabulary() {}

  /** A draw table over weighted values. */
  static final class Table<T> {
    private final List<T> values = new ArrayList<>();
    private double[] cumulative = new double[0];

    Table<T> add(T value, double weight) {
      values.add(value);
      double[] c = java.util.Arrays.copyOf(cumulative, cumulative.length + 1);
      c[c.length - 1] = (c.length > 1 ? c[c.length - 2] : 0) + weight;
      cumulative = c;
      return this;
    }

    double total() {
      return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    T draw(SplittableRandom rnd) {
      double x = rnd.nextDouble() * total();
      int k = java.util.Arrays.binarySearch(cumulative, x);
      k = k >= 0 ? k + 1 : -k - 1;
      return values.get(Math.min(k, values.size() - 1));
    }

    List<T> values() {
      return values;
    }
  }

  private static Table<String> table(String spec) {
    Table<String> t = new Table<>();
    for (String item : spec.trim().split("\\s*,\\s*")) {
      int colon = item.lastIndexOf(':');
      t.add(item.substring(0, colon).trim(), Double.parseDouble(item.substring(colon + 1)));
    }
    return t;
  }

  /** Male given names; weights are roughly per 10,000 men born 1955-2000. */
  static final Table<String> MALE = table("""
      Michael:330, David:250, James:260, John:250, Robert:240, Christopher:200, William:180, Joseph:150,
      Daniel:150, Matthew:140, Richard:130, Thomas:130, Jason:110, Mark:100, Anthony:100, Steven:100,
      Brian:100, Kevin:90, Andrew:90, Joshua:90, Jeffrey:80, Timothy:70, Paul:70, Eric:70, Ryan:70,
      Charles:70, Scott:60, Kenneth:50, Stephen:50, Gregory:50, Jonathan:50, Justin:50, Brandon:50,
      Nicholas:50, Donald:40, Ronald:40, Gary:40, Edward:40, Patrick:40, Benjamin:40, Adam:40, Jose:35,
      José:10, Aaron:35, Sean:30, Juan:25, Luis:25, Carlos:25, Samuel:25, Nathan:25, Peter:25, Douglas:25,
      Dennis:25, Alexander:25, Tyler:25, Kyle:25, Jacob:25, Jeremy:25, Frank:20, Raymond:20, Larry:20,
      Keith:20, Zachary:20, Gerald:15, Jerry:15, Bradley:15, Travis:15, Shawn:15, Chad:15, Philip:12,
      Vincent:12, Gabriel:12, Lawrence:10, Henry:10, Walter:8, Mitchell:8, Nathaniel:8, Jesús:6, Albert:6,
      Theodore:5, Harold:5, Eugene:5, Leonard:5, Mohammed:5, Wei:5, Francis:4, Frederick:4, Raj:4, Ángel:4,
      Minh:3, Ahmed:3, André:3, René:3, Hiroshi:2, Dwayne:6, Duane:4, Jon:8, Marc:6, Stephan:2, Geoffrey:3,
      Sergio:6, Rajesh:3, Arjun:2, Hao:2, Dmitri:1, Björn:1, Søren:1
      """);

  /** Female given names; weights are roughly per 10,000 women born 1955-2000. */
  static final Table<String> FEMALE = table("""
      Jennifer:250, Jessica:180, Amanda:150, Sarah:150, Ashley:150, Melissa:140, Michelle:130,
      Elizabeth:130, Lisa:120, Mary:120, Kimberly:110, Stephanie:110, Nicole:100, Amy:90, Angela:90,
      Emily:80, Heather:80, Rebecca:70, Laura:70, Susan:60, Karen:60, Christina:60, Rachel:60,
      Samantha:60, Megan:60, Lauren:60, Patricia:50, Linda:50, Andrea:50, Kelly:50, Maria:40, María:10,
      Deborah:40, Katherine:40, Christine:40, Julie:40, Danielle:40, Erin:35, Barbara:30, Donna:30,
      Catherine:30, Kathleen:30, Margaret:30, Sandra:30, Cynthia:30, Stacy:30, Crystal:30, Tiffany:30,
      Pamela:25, Victoria:25, Tracy:20, Allison:20, Natalie:20, Alexandra:15, Theresa:15, Jacqueline:15,
      Wendy:15, Valerie:12, Abigail:10, Cassandra:10, Ana:10, Heidi:10, Olivia:10, Judith:8, Madeline:8,
      Renée:8, Grace:8, Sofía:6, Dorothy:5, Frances:5, Josephine:4, Priya:4, Mei:3, Chloé:3, Zoë:3,
      Yuki:2, Inés:2, Beatriz:2, Penelope:2, Katharine:3, Kathryn:10, Caitlin:8, Kaitlyn:6, Sara:15,
      Ann:10, Anne:10, Anna:15, Hannah:10, Monica:15, Veronica:10, Diana:12, Diane:15, Denise:15,
      Tamara:6, Ingrid:1, Siobhan:1, Anaïs:1
      """);

  /** Nicknames and short forms by formal given name. */
  static final Map<String, List<String>> NICKNAMES = nicknames();

  private static Map<String, List<String>> nicknames() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    String spec = """
        Robert=Bob|Rob|Bobby|Robbie; William=Bill|Will|Billy|Liam; Richard=Rick|Rich|Dick|Ricky;
        James=Jim|Jimmy|Jamie; John=Jack|Johnny; Michael=Mike|Mikey; Joseph=Joe|Joey; Thomas=Tom|Tommy;
        Christopher=Chris|Topher; Daniel=Dan|Danny; Matthew=Matt; Anthony=Tony; Steven=Steve;
        Stephen=Steve; Timothy=Tim; Andrew=Andy|Drew; Joshua=Josh; Jeffrey=Jeff; Kenneth=Ken|Kenny;
        Gregory=Greg; Jonathan=Jon|Jonny; Nicholas=Nick|Nicky; Donald=Don|Donnie; Ronald=Ron|Ronnie;
        Edward=Ed|Eddie|Ted|Ned; Patrick=Pat|Paddy; Benjamin=Ben|Benji; Samuel=Sam|Sammy; Nathan=Nate;
        Nathaniel=Nate|Nat; Peter=Pete; Douglas=Doug; Alexander=Alex|Xander|Sasha; Zachary=Zach|Zack;
        Raymond=Ray; Lawrence=Larry; Gerald=Jerry; Bradley=Brad; Philip=Phil; Vincent=Vince;
        Gabriel=Gabe; Henry=Hank|Harry; Walter=Walt; Mitchell=Mitch; Theodore=Ted|Teddy|Theo;
        Harold=Harry|Hal; Eugene=Gene; Leonard=Len|Lenny|Leo; Albert=Al|Bert; Francis=Frank;
        Frederick=Fred|Freddie; Charles=Charlie|Chuck|Chas; Jacob=Jake; Samuel=Sam; Dennis=Denny;
        Elizabeth=Liz|Beth|Betsy|Lizzie|Eliza; Margaret=Peggy|Maggie|Meg|Marge; Katherine=Kate|Kathy|Katie;
        Catherine=Cathy|Kate|Cat; Kathleen=Kathy|Kate; Jennifer=Jen|Jenny; Jessica=Jess|Jessie;
        Patricia=Pat|Patty|Trish|Tricia; Susan=Sue|Suzy; Deborah=Deb|Debbie; Rebecca=Becky|Becca;
        Kimberly=Kim; Stephanie=Steph; Samantha=Sam|Sammy; Christina=Tina|Chris; Christine=Chris|Chrissy;
        Pamela=Pam; Cynthia=Cindy; Victoria=Vicky|Tori; Alexandra=Alex|Sasha|Lexi; Abigail=Abby;
        Theresa=Terry|Tess|Tessa; Jacqueline=Jackie; Valerie=Val; Cassandra=Cassie; Madeline=Maddie;
        Dorothy=Dot|Dottie; Judith=Judy; Frances=Fran|Frannie; Josephine=Jo|Josie; Penelope=Penny;
        Barbara=Barb|Barbie; Allison=Ally; Melissa=Mel|Missy; Amanda=Mandy; Andrea=Andi;
        Nicole=Nikki; Danielle=Dani; Samantha=Sam; Kathryn=Kate|Katie; Katharine=Kate; Victoria=Tori;
        Natalie=Nat; Olivia=Liv; Sandra=Sandy; Diana=Di; Veronica=Ronnie
        """;
    for (String entry : spec.split(";")) {
      String[] kv = entry.trim().split("=");
      m.putIfAbsent(kv[0].trim(), List.of(kv[1].trim().split("\\|")));
    }
    return Map.copyOf(m);
  }

  /**
   * The 100 most frequent US surnames with their approximate 2010 census frequency per 100,000 people,
   * then a few frequent ones with an apostrophe, a space or an accent.
   */
  static final Table<String> COMMON_SURNAMES = table("""
      Smith:828, Johnson:655, Williams:551, Brown:487, Jones:483, Garcia:406, Miller:394, Davis:381,
      Rodriguez:357, Martinez:350, Hernandez:343, Lopez:292, Gonzalez:289, Wilson:259, Anderson:254,
      Thomas:250, Taylor:247, Moore:237, Jackson:235, Martin:234, Lee:230, Perez:219, Thompson:214,
      White:212, Harris:205, Sanchez:203, Clark:179, Ramirez:178, Lewis:174, Robinson:173, Walker:171,
      Young:156, Allen:155, King:153, Wright:153, Scott:142, Torres:141, Nguyen:141, Hill:141, Flores:139,
      Green:137, Adams:137, Nelson:135, Baker:133, Hall:132, Rivera:130, Campbell:126, Mitchell:126,
      Carter:125, Roberts:124, Gomez:118, Phillips:116, Evans:116, Turner:115, Diaz:115, Parker:113,
      Cruz:112, Edwards:111, Collins:111, Reyes:110, Stewart:110, Morris:107, Morales:105, Murphy:103,
      Cook:102, Rogers:101, Gutierrez:100, Ortiz:98, Morgan:97, Cooper:95, Peterson:95, Bailey:95,
      Reed:94, Kelly:94, Howard:93, Ramos:92, Kim:92, Cox:91, Ward:91, Richardson:90, Watson:89,
      Brooks:89, Chavez:88, Wood:88, James:87, Bennett:86, Gray:86, Mendoza:86, Ruiz:86, Hughes:85,
      Price:84, Alvarez:84, Castillo:84, Sanders:83, Patel:83, Myers:81, Long:81, Ross:80, Foster:80,
      Muñoz:40, McDonald:40, O'Brien:30, O'Connor:28, Núñez:20, Peña:18, O'Neil:15, De La Cruz:12,
      MacDonald:10, St. John:5, Van Der Berg:3, Ibáñez:5
      """);

  /** Accented spellings some people with these census surnames use. */
  static final Map<String, String> ACCENTED_SURNAMES = Map.ofEntries(
      Map.entry("Rodriguez", "Rodríguez"), Map.entry("Martinez", "Martínez"), Map.entry("Hernandez", "Hernández"),
      Map.entry("Gonzalez", "González"), Map.entry("Perez", "Pérez"), Map.entry("Sanchez", "Sánchez"),
      Map.entry("Ramirez", "Ramírez"), Map.entry("Gomez", "Gómez"), Map.entry("Diaz", "Díaz"),
      Map.entry("Gutierrez", "Gutiérrez"), Map.entry("Alvarez", "Álvarez"), Map.entry("Chavez", "Chávez"),
      Map.entry("Lopez", "López"));

  /** Share of people whose surname is one of {@link #COMMON_SURNAMES}: about the census top 100. */
  static final double COMMON_SURNAME_SHARE = 0.17;

  /** Ranks of the synthetic tail: log-uniform from 101 to this, so frequency falls as 1/rank. */
  static final int TAIL_RANKS = 6_000_000;

  private static final String[] ONSETS = {"B", "Br", "C", "Ch", "D", "Dr", "F", "G", "Gr", "H", "K", "Kr", "L",
      "M", "N", "P", "Pr", "R", "S", "Sh", "St", "T", "Tr", "V", "W", "Wh", "Z", "Bl", "Cr", "Fl"};
  private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "ie", "y"};
  private static final String[] MIDDLES = {"l", "ll", "n", "nn", "r", "rr", "s", "t", "tt", "d", "v", "m", "ng",
      "rk", "lt", "nd", "rb", "ck", "sk", "z"};
  private static final String[] ENDINGS = {"son", "man", "ley", "ton", "berg", "stein", "ski", "ez", "ini", "er",
      "ett", "ard", "ing", "well", "wood", "field", "ford", "ham", "ner", "o", "ia", "ers", "ey", "en", "ick",
      "ova", "ak", "ic", "as", "ow", "ee", "ins"};

  /**
   * The surname of tail rank {@code rank} (101 and up): a made-up but pronounceable name, the same for
   * the same rank. About 800,000 distinct two-part and many more three-part names; a few ranks share one.
   */
  static String tailSurname(int rank) {
    long h = mix(rank);
    int onset = (int) Long.remainderUnsigned(h, ONSETS.length);
    h = Long.divideUnsigned(h, ONSETS.length);
    int v1 = (int) Long.remainderUnsigned(h, VOWELS.length);
    h = Long.divideUnsigned(h, VOWELS.length);
    int mid = (int) Long.remainderUnsigned(h, MIDDLES.length);
    h = Long.divideUnsigned(h, MIDDLES.length);
    int v2 = (int) Long.remainderUnsigned(h, VOWELS.length);
    h = Long.divideUnsigned(h, VOWELS.length);
    int end = (int) Long.remainderUnsigned(h, ENDINGS.length);
    h = Long.divideUnsigned(h, ENDINGS.length);
    boolean longForm = Long.remainderUnsigned(h, 3) == 0;
    h = Long.divideUnsigned(h, 3);
    StringBuilder b = new StringBuilder(ONSETS[onset]).append(VOWELS[v1]).append(MIDDLES[mid]);
    if (longForm) {
      b.append(VOWELS[v2]).append(MIDDLES[(int) Long.remainderUnsigned(h, MIDDLES.length)]);
    }
    String e = ENDINGS[end];
    if (endsWithVowel(b) && startsWithVowel(e)) {
      e = e.substring(1);
    }
    b.append(e.isEmpty() ? VOWELS[v2] : e);
    return b.toString().replaceAll("(.)\\1\\1", "$1$1");
  }

  /** A rare given name made of two syllables, for the few percent of people outside the lists. */
  static String rareGivenName(SplittableRandom rnd, boolean female) {
    String[] endsF = {"a", "ia", " elle", "yn", "ie", "ette", "ara", "ina"};
    String[] endsM = {"an", "on", "er", "o", "el", "us", "en", "ik"};
    String[] ends = female ? endsF : endsM;
    String b = ONSETS[rnd.nextInt(ONSETS.length)] + VOWELS[rnd.nextInt(5)] + MIDDLES[rnd.nextInt(MIDDLES.length)];
    return b + ends[rnd.nextInt(ends.length)];
  }

  private static boolean endsWithVowel(CharSequence s) {
    return "aeiouy".indexOf(s.charAt(s.length() - 1)) >= 0;
  }

  private static boolean startsWithVowel(String s) {
    return !s.isEmpty() && "aeiouy".indexOf(s.charAt(0)) >= 0;
  }

  private static long mix(long x) {
    long z = x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * A city where offices are.
   *
   * @param name the usual spelling
   * @param state state or region as a CRM stores it
   * @param country ISO code
   * @param dialing the country calling code
   * @param areaCodes area codes (NANP) or trunk-less city codes (elsewhere)
   * @param variants other spellings seen in CRMs
   */
  record City(String name, String state, String country, String dialing, List<String> areaCodes,
      List<String> variants) {}

  private static City us(String name, String state, String codes, String... variants) {
    return new City(name, state, "US", "1", List.of(codes.split(" ")), List.of(variants));
  }

  /** Cities with office weights: large metros more often. */
  static final Table<City> CITIES = new Table<City>()
      .add(us("New York", "NY", "212 646 917", "New York City", "NYC", "New York, NY"), 12)
      .add(us("Los Angeles", "CA", "213 310 323", "LA", "Los Angeles, CA"), 6)
      .add(us("Chicago", "IL", "312 773"), 6)
      .add(us("Houston", "TX", "713 281"), 4)
      .add(us("Dallas", "TX", "214 972"), 4)
      .add(us("San Francisco", "CA", "415 628", "SF", "San Fransisco"), 6)
      .add(us("Boston", "MA", "617 857"), 5)
      .add(us("Seattle", "WA", "206"), 4)
      .add(us("Atlanta", "GA", "404 678"), 4)
      .add(us("Washington", "DC", "202", "Washington DC", "Washington, D.C."), 4)
      .add(us("Philadelphia", "PA", "215 267", "Phila"), 3)
      .add(us("Phoenix", "AZ", "602 480"), 3)
      .add(us("Austin", "TX", "512"), 3)
      .add(us("Denver", "CO", "303 720"), 3)
      .add(us("Miami", "FL", "305 786"), 3)
      .add(us("Minneapolis", "MN", "612"), 2)
      .add(us("San Diego", "CA", "619 858"), 2)
      .add(us("San Jose", "CA", "408", "San José"), 2)
      .add(us("Palo Alto", "CA", "650"), 1)
      .add(us("Charlotte", "NC", "704"), 2)
      .add(us("Nashville", "TN", "615"), 2)
      .add(us("Portland", "OR", "503"), 2)
      .add(us("Detroit", "MI", "313"), 2)
      .add(us("St. Louis", "MO", "314", "Saint Louis", "St Louis"), 2)
      .add(us("Pittsburgh", "PA", "412"), 1.5)
      .add(us("Salt Lake City", "UT", "801", "SLC"), 1.5)
      .add(us("Raleigh", "NC", "919"), 1.5)
      .add(us("Tampa", "FL", "813"), 1.5)
      .add(us("Kansas City", "MO", "816"), 1.5)
      .add(us("Cleveland", "OH", "216"), 1.5)
      .add(us("Columbus", "OH", "614"), 1.5)
      .add(us("Indianapolis", "IN", "317"), 1.5)
      .add(us("Baltimore", "MD", "410"), 1.5)
      .add(us("Sacramento", "CA", "916"), 1)
      .add(us("Milwaukee", "WI", "414"), 1)
      .add(us("Cincinnati", "OH", "513"), 1)
      .add(us("Orlando", "FL", "407"), 1)
      .add(us("Las Vegas", "NV", "702"), 1)
      .add(us("Brooklyn", "NY", "718 347"), 1)
      .add(us("Cambridge", "MA", "617"), 0.8)
      .add(us("Fort Worth", "TX", "817", "Ft. Worth", "Ft Worth"), 1)
      .add(new City("Toronto", "ON", "CA", "1", List.of("416", "647"), List.of()), 1.2)
      .add(new City("Montréal", "QC", "CA", "1", List.of("514"), List.of("Montreal")), 0.6)
      .add(new City("London", "England", "GB", "44", List.of("20"), List.of("London, UK")), 1.5)
      .add(new City("München", "Bavaria", "DE", "49", List.of("89"), List.of("Munich", "Muenchen")), 0.4)
      .add(new City("Zürich", "ZH", "CH", "41", List.of("44"), List.of("Zurich", "Zuerich")), 0.3);

  static final String[] COMPANY_FIRST = {"Blue", "North", "Summit", "Apex", "Pioneer", "Cedar", "Harbor",
      "Granite", "Silver", "Evergreen", "Atlas", "Beacon", "Pacific", "Atlantic", "Crescent", "Iron", "Golden",
      "Red", "Green", "Bright", "Clear", "Prairie", "Keystone", "Lakeside", "Meridian", "Orion", "Sterling",
      "Union", "Vertex", "Westfield", "Redwood", "Falcon", "Liberty", "Pinnacle", "Riverbend", "Sunrise",
      "Tri-State", "Great Lakes", "Central", "Frontier", "Horizon", "Heritage", "Coastal", "Highland",
      "Metro", "National", "American", "First", "United", "Premier", "Alpine", "Copper", "Oak", "Maple",
      "Willow", "Eagle", "Lighthouse", "Northstar", "Bluewater", "Stonebridge"};
  static final String[] COMPANY_SECOND = {"Ridge", "Point", "Bridge", "Stone", "Field", "Lake", "Peak", "Gate",
      "Rock", "Creek", "Valley", "Line", "Wave", "Path", "Street", "Hill", "Bay", "Park", "Works", "Source",
      "Star", "Light", "Grove", "Haven", "Crest"};
  static final String[] INDUSTRIES = {"Logistics", "Software", "Health", "Capital", "Systems", "Foods",
      "Energy", "Analytics", "Consulting", "Manufacturing", "Partners", "Group", "Labs", "Solutions", "Media",
      "Insurance", "Realty", "Financial", "Technologies", "Networks", "Pharmaceuticals", "Medical",
      "Construction", "Engineering", "Holdings", "Industries", "Supply", "Logistics & Freight",
      "Marketing", "Bank", "Credit Union", "Hospitality", "Retail", "Brands", "Biosciences", "Data"};
  static final String[] TRADES = {"Plumbing", "Electric", "Dental", "Law Group", "Landscaping", "Roofing",
      "Auto Repair", "Accounting", "Insurance Agency", "Bakery", "Construction", "Heating & Cooling",
      "Realty", "Veterinary Clinic", "Design", "Chiropractic", "Family Dentistry", "& Sons", "Consulting"};

  static final String[] TITLES = {"CEO", "CFO", "CTO", "COO", "VP Sales", "VP of Marketing", "VP Engineering",
      "Director of IT", "Director, Procurement", "Head of Operations", "Account Executive", "Sales Manager",
      "Marketing Manager", "Software Engineer", "Senior Software Engineer", "Product Manager", "Office Manager",
      "Purchasing Manager", "HR Manager", "Controller", "Accountant", "Operations Manager", "Project Manager",
      "Business Analyst", "Data Analyst", "IT Manager", "Customer Success Manager", "Owner", "President",
      "General Counsel", "Executive Assistant", "Procurement Specialist", "Buyer", "Engineer", "Consultant",
      "Partner", "Associate", "Administrator", "Coordinator", "Specialist"};

  static final String[] ROLE_MAILBOXES = {"info", "sales", "contact", "office", "admin", "hello", "support",
      "accounts", "team", "enquiries"};

  static final Table<String> PERSONAL_DOMAINS = table("""
      gmail.com:45, yahoo.com:15, hotmail.com:8, outlook.com:8, aol.com:4, icloud.com:6, comcast.net:3,
      msn.com:2, att.net:2, me.com:2, protonmail.com:1, live.com:2, verizon.net:1, sbcglobal.net:1
      """);
}
