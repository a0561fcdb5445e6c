//! Behaviour of the query language, the index and the results, on a small
//! hand-built set of records and on a provisioned saida-city world.

use kasumi_logsearch::text::{format_jst, parse_jst};
use kasumi_logsearch::world::{append_events, append_world, index_world};
use kasumi_logsearch::{
    Agg, AppendError, ErrorKind, Index, Record, SearchOptions, Sort, Value, parse,
};
use proptest::prelude::*;

const HOUR: i64 = 3_600_000_000;
const MIN: i64 = 60_000_000;

fn t(s: &str) -> i64 {
    parse_jst(s).expect("time").start
}

struct Rec {
    time: &'static str,
    source: &'static str,
    fields: Vec<(&'static str, Value<'static>)>,
    line: &'static str,
}

fn ip(s: &str) -> Value<'static> {
    Value::Ip(kasumi_logsearch::text::parse_ip(s).expect("ip"))
}

fn records() -> Vec<Rec> {
    use Value::{Num, Str};
    vec![
        Rec {
            time: "2026-06-18T08:59:00",
            source: "proxy",
            fields: vec![
                ("host", Str("proxy01")),
                ("client", ip("10.20.3.15")),
                ("user", Str("tanaka")),
                ("url", Str("http://cdn.example.jp/a.js")),
                ("domain", Str("cdn.example.jp")),
                ("status", Num(200)),
                ("bytes", Num(10532)),
            ],
            line: "1781740740.000    245 10.20.3.15 TCP_MISS/200 10532 GET http://cdn.example.jp/a.js tanaka HIER_DIRECT/203.0.113.10 application/javascript",
        },
        Rec {
            time: "2026-06-18T09:00:00",
            source: "dns",
            fields: vec![
                ("host", Str("dns01")),
                ("client", ip("10.20.3.15")),
                ("query", Str("c2.bad.example")),
            ],
            line: "18-Jun-2026 09:00:00.000 queries: info: client @0x7f01 10.20.3.15#51530 (c2.bad.example): query: c2.bad.example IN A +E(0)K (10.10.1.53)",
        },
        Rec {
            time: "2026-06-18T09:00:05",
            source: "proxy",
            fields: vec![
                ("host", Str("proxy01")),
                ("client", ip("10.20.3.15")),
                ("user", Str("tanaka")),
                ("url", Str("c2.bad.example:443")),
                ("domain", Str("c2.bad.example")),
                ("status", Num(200)),
                ("bytes", Num(250000)),
            ],
            line: "1781740805.000  60012 10.20.3.15 TCP_TUNNEL/200 250000 CONNECT c2.bad.example:443 tanaka HIER_DIRECT/198.51.100.66 -",
        },
        Rec {
            time: "2026-06-18T09:30:00",
            source: "win_security",
            fields: vec![
                ("host", Str("PC-SOUMU-01")),
                ("EventID", Num(4624)),
                ("user", Str("Tanaka")),
                ("IpAddress", ip("10.20.3.15")),
                ("LogonType", Num(3)),
            ],
            line: r#"{"TimeCreated":"2026-06-18T09:30:00.000000+09:00","Computer":"PC-SOUMU-01","EventID":4624,"TargetUserName":"Tanaka","LogonType":3,"IpAddress":"10.20.3.15"}"#,
        },
        Rec {
            time: "2026-06-18T10:00:00",
            source: "win_security",
            fields: vec![
                ("host", Str("AD01")),
                ("EventID", Num(4625)),
                ("user", Str("suzuki")),
                ("IpAddress", ip("10.30.1.7")),
                ("status", Num(0xC000_006A)),
            ],
            line: r#"{"TimeCreated":"2026-06-18T10:00:00.000000+09:00","Computer":"AD01","EventID":4625,"TargetUserName":"suzuki","Status":"0xc000006a","IpAddress":"10.30.1.7"}"#,
        },
        Rec {
            time: "2026-06-18T10:15:00",
            source: "firewall",
            fields: vec![
                ("host", Str("fw01")),
                ("srcip", ip("10.20.4.9")),
                ("dstip", ip("198.51.100.66")),
                ("dstport", Num(443)),
            ],
            line: r#"date=2026-06-18 time=10:15:00 devname="fw01" srcip=10.20.4.9 dstip=198.51.100.66 dstport=443 action="deny""#,
        },
        Rec {
            time: "2026-06-18T11:00:00",
            source: "web",
            fields: vec![
                ("host", Str("web01")),
                ("client", ip("203.0.113.5")),
                ("path", Str("/uploads/shell.php")),
                ("status", Num(200)),
                ("bytes", Num(120)),
            ],
            line: r#"203.0.113.5 - - [18/Jun/2026:11:00:00 +0900] "POST /uploads/shell.php HTTP/1.1" 200 120 "-" "curl/8.0""#,
        },
        Rec {
            time: "2026-06-18T11:30:00",
            source: "alert",
            fields: vec![
                ("host", Str("soc")),
                ("domain", Str("alpha.example")),
                ("message", Str("不審な通信を検知しました。")),
            ],
            line: "2026-06-18T11:30:00+09:00 reporter=\"SOC\" domain=alpha.example message=\"10.20.3.15 から不審な通信を検知しました。\"",
        },
        Rec {
            time: "2026-06-18T12:00:00",
            source: "proxy",
            fields: vec![
                ("host", Str("proxy01")),
                ("client", ip("10.20.5.20")),
                ("user", Str("sato")),
                ("url", Str("http://www.example.jp/index.html")),
                ("domain", Str("www.example.jp")),
                ("status", Num(404)),
                ("bytes", Num(500)),
            ],
            line: "1781751600.000     12 10.20.5.20 TCP_MISS/404 500 GET http://www.example.jp/index.html sato HIER_DIRECT/203.0.113.20 text/html",
        },
        Rec {
            time: "2026-06-18T12:00:00",
            source: "mail",
            fields: vec![
                ("host", Str("mail")),
                ("from", Str("ota@bad.example")),
                ("size", Num(150000)),
            ],
            line: "Jun 18 12:00:00 mail postfix/qmgr[3280]: 1DBB4A7FD: from=<ota@bad.example>, size=150000, nrcpt=1 (queue active)",
        },
    ]
}

fn push_all(idx: &mut Index, recs: &[Rec]) {
    for r in recs {
        idx.push(&Record {
            time: t(r.time),
            source: r.source,
            fields: &r.fields,
            line: r.line,
        })
        .expect("push");
    }
}

fn build() -> Index {
    let mut idx = Index::new();
    push_all(&mut idx, &records());
    idx
}

fn now() -> i64 {
    t("2026-06-18T12:00:00")
}

fn ids(idx: &Index, q: &str) -> Vec<u32> {
    let q = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    idx.matches(&q, now()).iter().collect()
}

#[track_caller]
fn check(idx: &Index, q: &str, want: &[u32]) {
    assert_eq!(ids(idx, q), want, "query {q}");
}

#[test]
fn field_filters() {
    let idx = build();
    check(&idx, "user:tanaka", &[0, 2, 3]);
    check(&idx, "USER:TANAKA", &[0, 2, 3]);
    check(&idx, "user:\"tanaka\"", &[0, 2, 3]);
    check(&idx, "user:tana", &[]);
    check(&idx, "client:10.20.3.15", &[0, 1, 2]);
    check(&idx, "ip:10.20.3.15", &[0, 1, 2, 3]);
    check(&idx, "EventID:4624", &[3]);
    check(&idx, "eventid:4625", &[4]);
    check(&idx, "status:0xC000006A", &[4]);
    check(&idx, "status:200", &[0, 2, 6]);
    check(&idx, "host:pc-soumu-01", &[3]);
    check(&idx, "nosuchfield:x", &[]);
    check(&idx, "status:*", &[0, 2, 4, 6, 8]);
}

#[test]
fn cidr_and_numeric_comparisons() {
    let idx = build();
    check(&idx, "srcip:10.20.0.0/16", &[5]);
    check(&idx, "ip:10.20.0.0/16", &[0, 1, 2, 3, 5, 8]);
    check(&idx, "client:10.20.3.15/32", &[0, 1, 2]);
    check(&idx, "ip:0.0.0.0/0", &[0, 1, 2, 3, 4, 5, 6, 8]);
    check(&idx, "size:>100000", &[9]);
    check(&idx, "bytes:>100000", &[2]);
    check(&idx, "bytes:>=10532", &[0, 2]);
    check(&idx, "bytes:>10532", &[2]);
    check(&idx, "bytes:<500", &[6]);
    check(&idx, "bytes:<=500", &[6, 8]);
    check(&idx, "bytes:[120 TO 500]", &[6, 8]);
    check(&idx, "client:[10.20.0.0 TO 10.20.255.255]", &[0, 1, 2, 8]);
    check(&idx, "ip:>200.0.0.0", &[6]);
}

#[test]
fn free_text() {
    let idx = build();
    check(&idx, "c2.bad.example", &[1, 2]);
    check(&idx, "C2.BAD.EXAMPLE", &[1, 2]);
    check(&idx, "bad.example", &[1, 2, 9]);
    check(&idx, "tcp_miss", &[0, 8]);
    check(&idx, "GET", &[0, 8]);
    check(&idx, "get", &[0, 8]);
    // Whole words only; `*` extends a word.
    check(&idx, "exampl", &[]);
    check(&idx, "exampl*", &[0, 1, 2, 7, 8, 9]);
    check(&idx, "*nak*", &[0, 2, 3]);
    check(&idx, "ta?aka", &[0, 2, 3]);
    check(&idx, "\"TCP_MISS/200 10532\"", &[0]);
    check(&idx, "\"tunnel/200 250000 connect\"", &[2]);
    // Long digit runs are not indexed but still found by scanning.
    check(&idx, "1781740740.000", &[0]);
    check(&idx, "51530", &[1]);
    // Japanese: substring, via character bigrams.
    check(&idx, "不審", &[7]);
    check(&idx, "不審な通信", &[7]);
    check(&idx, "通信を検知", &[7]);
    check(&idx, "審", &[7]);
    check(&idx, "検知しました", &[7]);
    check(&idx, "検知した", &[]);
    check(&idx, "\"から不審\"", &[7]);
}

#[test]
fn boolean_operators() {
    let idx = build();
    check(&idx, "user:tanaka AND source:proxy", &[0, 2]);
    check(&idx, "user:tanaka source:proxy", &[0, 2]);
    check(&idx, "source:proxy OR source:dns", &[0, 1, 2, 8]);
    check(&idx, "source:proxy NOT status:200", &[8]);
    check(&idx, "source:proxy AND NOT status:200", &[8]);
    check(&idx, "NOT source:proxy", &[1, 3, 4, 5, 6, 7, 9]);
    check(&idx, "(source:proxy OR source:dns) c2.bad.example", &[1, 2]);
    // AND binds tighter than OR.
    check(&idx, "source:dns OR source:proxy user:sato", &[1, 8]);
    check(&idx, "(source:dns OR source:proxy) user:sato", &[8]);
    check(&idx, "NOT (user:tanaka OR user:sato)", &[1, 4, 5, 6, 7, 9]);
    check(&idx, "NOT NOT user:sato", &[8]);
    check(&idx, "user:tanaka || user:sato && bytes:500", &[0, 2, 3, 8]);
    check(&idx, "*", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    check(&idx, "", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    check(&idx, "NOT *", &[]);
}

#[test]
fn wildcards() {
    let idx = build();
    check(&idx, "url:*.bad.example*", &[2]);
    check(&idx, "domain:*.example.jp", &[0, 8]);
    check(&idx, "domain:*.EXAMPLE.jp", &[0, 8]);
    check(&idx, "path:/uploads/*.php", &[6]);
    check(&idx, "url:http://cdn.*", &[0]);
    check(&idx, "user:?ato", &[8]);
    check(&idx, "domain:*bad*", &[2]);
    check(&idx, "source:win*", &[3, 4]);
    check(&idx, "source:*", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

#[test]
fn time_ranges() {
    let idx = build();
    check(
        &idx,
        "time:>=2026-06-18T09:00",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    check(&idx, "time:>2026-06-18T09:00", &[3, 4, 5, 6, 7, 8, 9]);
    check(&idx, "time:<2026-06-18T09:00", &[0]);
    check(&idx, "time:<=2026-06-18T09:00", &[0, 1, 2]);
    check(&idx, "time:<=2026-06-18T09:00:00", &[0, 1]);
    check(
        &idx,
        "time:[2026-06-18T09:00 TO 2026-06-18T10:00]",
        &[1, 2, 3, 4],
    );
    check(&idx, "time:2026-06-18T11", &[6, 7]);
    check(&idx, "time:2026-06-18", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    check(&idx, "time:2026-06-17", &[]);
    check(
        &idx,
        "time:[2026-06-18T09 TO 2026-06-18T09] user:tanaka",
        &[2, 3],
    );
    // Relative to `now` (12:00:00).
    check(&idx, "last:1h", &[6, 7, 8, 9]);
    check(&idx, "last:30m", &[7, 8, 9]);
    check(&idx, "last:3600s source:proxy", &[8]);
    check(&idx, "last:1d", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let q = parse("last:1h").expect("parse");
    let later: Vec<u32> = idx.matches(&q, now() + 2 * HOUR).iter().collect();
    assert!(later.is_empty());
}

#[test]
fn japan_time_parsing_and_formatting() {
    // 2026-06-18T09:00 JST = 00:00 UTC = 1781740800 s.
    assert_eq!(t("2026-06-18T09:00"), 1_781_740_800_000_000);
    let s = parse_jst("2026-06-18T09").expect("hour");
    assert_eq!(s.end - s.start, HOUR);
    assert_eq!(
        format_jst(1_781_740_800_123_456),
        "2026-06-18T09:00:00.123456+09:00"
    );
    assert!(parse_jst("2026-02-29").is_none());
    assert!(parse_jst("2028-02-29").is_some());
    assert!(parse_jst("2026-06-18T24:00").is_none());
}

#[test]
fn sources() {
    let idx = build();
    check(&idx, "source:proxy", &[0, 2, 8]);
    check(&idx, "source:PROXY", &[0, 2, 8]);
    check(&idx, "source:win_security", &[3, 4]);
    check(&idx, "source:nosuch", &[]);
    assert_eq!(
        idx.source_names(),
        vec![
            "proxy",
            "dns",
            "win_security",
            "firewall",
            "web",
            "alert",
            "mail"
        ]
    );
}

#[test]
fn aggregations() {
    let idx = build();
    let q = parse("| count by source").expect("parse");
    assert_eq!(q.agg, Some(Agg::CountBy("source".into())));
    let r = idx.search(&q, &SearchOptions::new(now()));
    let rows: Vec<(String, usize)> = r
        .aggregation
        .expect("agg")
        .rows
        .into_iter()
        .map(|r| (r.value, r.count))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("proxy".to_string(), 3),
            ("win_security".to_string(), 2),
            ("alert".to_string(), 1),
            ("dns".to_string(), 1),
            ("firewall".to_string(), 1),
            ("mail".to_string(), 1),
            ("web".to_string(), 1),
        ]
    );
    let agg = |q: &str| -> Vec<(String, usize)> {
        idx.search_str(q, &SearchOptions::new(now()))
            .expect("parse")
            .aggregation
            .expect("agg")
            .rows
            .into_iter()
            .map(|r| (r.value, r.count))
            .collect()
    };
    assert_eq!(
        agg("source:proxy | count by user"),
        vec![("tanaka".to_string(), 2), ("sato".to_string(), 1)]
    );
    // Values are grouped case-insensitively and shown as first seen.
    assert_eq!(
        agg("user:tanaka | count by user"),
        vec![("tanaka".to_string(), 3)]
    );
    assert_eq!(agg("| top 1 client"), vec![("10.20.3.15".to_string(), 3)]);
    assert_eq!(
        agg("| top 3 status"),
        vec![
            ("200".to_string(), 3),
            ("3221225578".to_string(), 1),
            ("404".to_string(), 1)
        ]
    );
    assert_eq!(
        agg("c2.bad.example | count by host"),
        vec![("dns01".to_string(), 1), ("proxy01".to_string(), 1)]
    );
    assert_eq!(agg("user:tanaka | count"), vec![(String::new(), 3)]);
    assert_eq!(
        parse("| top user").expect("parse").agg,
        Some(Agg::Top(10, "user".into()))
    );
}

#[test]
fn paging_sorting_total() {
    let idx = build();
    let mut o = SearchOptions::new(now());
    o.sort = Sort::TimeAsc;
    o.offset = 2;
    o.limit = 3;
    let r = idx.search_str("*", &o).expect("parse");
    assert_eq!(r.total, 10);
    assert_eq!(
        r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(r.hits[0].source, "proxy");
    assert_eq!(r.hits[0].host, "proxy01");
    assert_eq!(r.hits[0].time, t("2026-06-18T09:00:05"));
    assert!(r.hits[0].line.contains("TCP_TUNNEL"));
    o.sort = Sort::TimeDesc;
    o.offset = 0;
    o.limit = 2;
    let r = idx.search_str("*", &o).expect("parse");
    assert_eq!(r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(), vec![9, 8]);
    o.offset = 9;
    o.limit = 5;
    let r = idx.search_str("*", &o).expect("parse");
    assert_eq!(r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(), vec![0]);
    o.offset = 100;
    let r = idx.search_str("*", &o).expect("parse");
    assert!(r.hits.is_empty());
    assert_eq!(r.total, 10);
    // Sorting by a numeric field.
    o.offset = 0;
    o.limit = 10;
    o.sort = Sort::Field {
        name: "bytes".into(),
        descending: false,
    };
    let r = idx.search_str("source:proxy", &o).expect("parse");
    assert_eq!(
        r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        vec![8, 0, 2]
    );
    o.sort = Sort::Field {
        name: "bytes".into(),
        descending: true,
    };
    let r = idx
        .search_str("source:proxy OR source:dns", &o)
        .expect("parse");
    // The DNS record has no bytes field: last.
    assert_eq!(
        r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        vec![2, 0, 8, 1]
    );
    // Sorting by a text field, ties by time.
    o.sort = Sort::Field {
        name: "user".into(),
        descending: false,
    };
    let r = idx.search_str("user:*", &o).expect("parse");
    assert_eq!(
        r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        vec![8, 4, 0, 2, 3]
    );
    o.offset = 1;
    o.limit = 2;
    let r = idx.search_str("user:*", &o).expect("parse");
    assert_eq!(r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(), vec![4, 0]);
    assert_eq!(r.total, 5);
}

#[test]
fn histogram() {
    let idx = build();
    let mut o = SearchOptions::new(now());
    o.histogram_buckets = 4;
    let r = idx.search_str("*", &o).expect("parse");
    let h = r.histogram.expect("histogram");
    assert_eq!(h.start, t("2026-06-18T08:59:00"));
    assert_eq!(h.end, t("2026-06-18T12:00:00"));
    assert_eq!(h.bucket_micros, (3 * HOUR + MIN) / 4 + 1);
    assert_eq!(h.counts, vec![4, 2, 1, 3]);
    // The histogram spans the matched records only.
    let r = idx.search_str("source:win_security", &o).expect("parse");
    let h = r.histogram.expect("histogram");
    assert_eq!(h.start, t("2026-06-18T09:30:00"));
    assert_eq!(h.counts, vec![1, 0, 0, 1]);
    assert_eq!(h.counts.iter().sum::<usize>(), r.total);
    // No match, no histogram; zero buckets, no histogram.
    assert!(
        idx.search_str("user:nobody", &o)
            .expect("parse")
            .histogram
            .is_none()
    );
    o.histogram_buckets = 0;
    assert!(idx.search_str("*", &o).expect("parse").histogram.is_none());
    // Every bucket count adds up for many buckets.
    o.histogram_buckets = 1000;
    let r = idx.search_str("*", &o).expect("parse");
    assert_eq!(r.histogram.expect("h").counts.iter().sum::<usize>(), 10);
}

#[test]
fn csv_export() {
    let idx = build();
    let mut o = SearchOptions::new(now());
    o.sort = Sort::TimeAsc;
    o.limit = 1;
    let r = idx.search_str("source:proxy", &o).expect("parse");
    let csv = idx.csv_page(&r);
    assert_eq!(
        csv,
        "time,source,host,line\r\n2026-06-18T08:59:00.000000+09:00,proxy,proxy01,1781740740.000    245 10.20.3.15 TCP_MISS/200 10532 GET http://cdn.example.jp/a.js tanaka HIER_DIRECT/203.0.113.10 application/javascript\r\n"
    );
    // Quoting of commas and quotes; all matches, newest first.
    let q = parse("EventID:*").expect("parse");
    let csv = idx.csv_all(&q, now(), &Sort::TimeDesc);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines.len(), 4); // header, 2 rows, trailing empty
    assert!(
        lines[1].starts_with(
            "2026-06-18T10:00:00.000000+09:00,win_security,AD01,\"{\"\"TimeCreated\"\":"
        )
    );
    assert!(lines[1].ends_with("\"\"IpAddress\"\":\"\"10.30.1.7\"\"}\""));
    assert!(lines[2].contains(",PC-SOUMU-01,"));
    assert_eq!(lines[3], "");
}

#[test]
fn append_matches_fresh_build() {
    let recs = records();
    let fresh = build();
    let mut idx = Index::new();
    let queries = [
        "user:tanaka",
        "ip:10.20.0.0/16",
        "bytes:>100",
        "c2.bad.example",
        "不審",
        "domain:*.example.jp",
        "NOT source:proxy",
        "last:1h",
        "time:[2026-06-18T09:00 TO 2026-06-18T10:00]",
        "status:*",
    ];
    for (k, r) in recs.iter().enumerate() {
        idx.push(&Record {
            time: t(r.time),
            source: r.source,
            fields: &r.fields,
            line: r.line,
        })
        .expect("push");
        // Every prefix answers like a fresh index over the same prefix.
        let mut pre = Index::new();
        push_all(&mut pre, &recs[..=k]);
        for q in queries {
            assert_eq!(ids(&idx, q), ids(&pre, q), "{q} after {k}");
        }
    }
    for q in queries {
        assert_eq!(ids(&idx, q), ids(&fresh, q), "{q}");
    }
    assert_eq!(idx.len(), fresh.len());
    // Out-of-order records are refused and leave the index unchanged.
    let err = idx
        .push(&Record {
            time: t("2026-06-18T08:00"),
            source: "proxy",
            fields: &[],
            line: "late",
        })
        .unwrap_err();
    assert!(matches!(err, AppendError::OutOfOrder { .. }));
    assert_eq!(idx.len(), 10);
}

#[test]
fn numeric_columns_stay_consistent_across_many_appends() {
    // Enough values to trigger merges of the unsorted tail.
    let mut idx = Index::new();
    let n = 20_000u64;
    for i in 0..n {
        let f = [("bytes", Value::Num((i * 7919) % 1000))];
        idx.push(&Record {
            time: i as i64,
            source: "s",
            fields: &f,
            line: "x",
        })
        .expect("push");
        if i == 5000 {
            idx.optimize();
        }
    }
    let want = (0..n).filter(|i| (i * 7919) % 1000 < 10).count();
    assert_eq!(ids(&idx, "bytes:<10").len(), want);
    assert_eq!(ids(&idx, "bytes:[0 TO 9]").len(), want);
}

#[track_caller]
fn err(q: &str, kind: ErrorKind, position: usize) {
    let e = parse(q).expect_err(q);
    assert_eq!((e.kind, e.position), (kind, position), "query {q}: {e}");
    assert!(
        e.message_en()
            .contains(&format!("character {}", position + 1))
    );
    assert!(e.message_ja().contains(&format!("{} 文字目", position + 1)));
    assert!(e.key().starts_with("logsearch."));
}

#[test]
fn parse_errors_point_at_the_problem() {
    use ErrorKind::*;
    err("user:tanaka AND", MissingOperand, 12);
    err("user:tanaka OR", MissingOperand, 12);
    err("NOT", MissingOperand, 0);
    err("OR x", MissingLeftOperand, 0);
    err("a AND OR b", MissingOperand, 2);
    err("(user:tanaka", UnclosedParen, 0);
    err("a (b (c)", UnclosedParen, 2);
    err("user:tanaka)", UnexpectedCloseParen, 11);
    err("()", MissingOperand, 0);
    err("\"abc", UnterminatedQuote, 0);
    // Positions count characters, not bytes.
    err("日本 \"abc", UnterminatedQuote, 3);
    err("日本 user:", EmptyValue, 8);
    err("\"\"", EmptyPhrase, 0);
    err("user:", EmptyValue, 5);
    err("time:>=2026-13-01", BadTime, 7);
    err("time:yesterday", BadTime, 5);
    err("time:[2026-06-18 TO 2026-06-31]", BadTime, 20);
    err("time:[2026-06-18 2026-06-19]", RangeMissingTo, 5);
    err("bytes:[1 TO 2", UnterminatedRange, 6);
    err("size:>abc", ComparisonNeedsNumber, 6);
    err("size:>", EmptyValue, 6);
    err("bytes:[a TO 5]", ComparisonNeedsNumber, 7);
    err("srcip:10.0.0.0/33", BadCidr, 6);
    err("last:5y", BadDuration, 5);
    err("last:0h", BadDuration, 5);
    err("c2.*.example", TextWildcard, 0);
    err("| frobnicate", UnknownAggregation, 2);
    err("x |", UnknownAggregation, 3);
    err("| count by", AggregationFieldMissing, 10);
    err("| top 0 user", BadTopCount, 6);
    err("| top 5", AggregationFieldMissing, 7);
    err("| count by host extra", TrailingInput, 16);
    err("a | count (", TrailingInput, 10);
}

#[test]
fn query_structure() {
    use kasumi_logsearch::Expr;
    let q = parse("a b OR c").expect("parse");
    assert!(matches!(q.expr, Expr::Or(ref v) if v.len() == 2 && matches!(v[0], Expr::And(_))));
    // `http://…` is free text, not a field called http.
    assert!(matches!(
        parse("http://x.example/").expect("p").expr,
        Expr::Text(_)
    ));
    // `host:port` pasted from a log is free text too.
    assert!(matches!(
        parse("c2.bad.example:443").expect("p").expr,
        Expr::Text(_)
    ));
    assert!(parse("user:a\\\"b").is_ok());
    assert!(parse("msg:\"a \\\" b\"").is_ok());
    assert!(parse("　全角スペース　").is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in "\\PC*") {
        match parse(&s) {
            Ok(_) => {}
            Err(e) => {
                prop_assert!(e.position <= s.chars().count());
                prop_assert!(!e.message_en().is_empty() && !e.message_ja().is_empty());
            }
        }
    }

    #[test]
    fn parser_never_panics_on_query_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("AND"), Just("OR"), Just("NOT"), Just("("), Just(")"), Just("\""),
                Just("|"), Just("count"), Just("by"), Just("top"), Just("10"), Just(" "),
                Just("user:"), Just("time:"), Just("last:"), Just("ip:"), Just("size:>"),
                Just("["), Just("]"), Just(" TO "), Just("*"), Just("?"), Just("/16"),
                Just("10.20.0.0"), Just("2026-06-18T09:00"), Just("1h"), Just("不審"),
                Just("a"), Just(":"), Just("\\"), Just("é"), Just("source:"),
            ],
            0..12,
        )
    ) {
        let s: String = parts.concat();
        if let Err(e) = parse(&s) {
            prop_assert!(e.position <= s.chars().count(), "{s:?}: {e:?}");
        }
        // Whatever parses also evaluates without panicking.
        if let Ok(q) = parse(&s) {
            let idx = build();
            let m = idx.matches(&q, now());
            let _ = idx.search(&q, &SearchOptions::new(now()));
            prop_assert!(m.count() <= idx.len());
        }
    }
}

// ---- A provisioned saida-city world ----

const START: i64 = 1_781_744_400_000_000;

fn world() -> kasumi_range::World {
    let sc = kasumi_range::Scenario::builtin("saida-city").expect("scenario");
    kasumi_range::World::provision(&sc, 42, 1, START, 0)
}

#[test]
fn saida_city_c2_domain_and_user_logons() {
    let w = world();
    let truth = w.ground_truth();
    let c2 = &truth.c2.iter().find(|c| c.used).expect("a used C2").domain;
    let user = truth
        .first_infected
        .as_ref()
        .map(|h| h.user.clone())
        .expect("infected user");
    // The working day of the first infection (debug builds index slowly).
    let since = truth
        .first_infected
        .as_ref()
        .expect("infected")
        .since_micros;
    let (from, until) = (since - 3 * HOUR, since + 9 * HOUR);
    let mut idx = Index::new();
    let n = append_events(
        &mut idx,
        &w,
        w.events().filter(|e| e.t >= from && e.t < until),
    )
    .expect("append");
    assert_eq!(n, idx.len());
    let now = idx.time_bounds().expect("events").1;

    // Free text finds proxy and DNS lines containing the C2 domain.
    let q = parse(c2).expect("parse");
    let m = idx.matches(&q, now);
    assert!(m.count() > 0, "{c2}");
    let mut sources = std::collections::BTreeSet::new();
    for d in m.iter() {
        let h = idx.hit(d);
        assert!(
            h.line
                .to_ascii_lowercase()
                .contains(&c2.to_ascii_lowercase()),
            "{}",
            h.line
        );
        sources.insert(h.source);
    }
    assert!(
        sources.contains("proxy") && sources.contains("dns"),
        "{sources:?}"
    );
    // ... and exactly the lines that contain it (checked by brute force).
    let brute: Vec<u32> = (0..idx.len() as u32)
        .filter(|&d| {
            let l = idx.line(d).to_ascii_lowercase();
            l.match_indices(&c2.to_ascii_lowercase()).any(|(i, _)| {
                let b = l.as_bytes();
                let end = i + c2.len();
                (i == 0 || !b[i - 1].is_ascii_alphanumeric())
                    && (end == b.len() || !b[end].is_ascii_alphanumeric())
            })
        })
        .collect();
    assert_eq!(m.iter().collect::<Vec<_>>(), brute);
    // Field filters agree for the proxy and DNS.
    let f = parse(&format!("domain:{c2} OR query:{c2}")).expect("parse");
    let fm = idx.matches(&f, now);
    for d in fm.iter() {
        assert!(m.get(d));
    }
    let by_src = idx.aggregate(&fm, &Agg::CountBy("source".into()));
    let names: Vec<&str> = by_src.rows.iter().map(|r| r.value.as_str()).collect();
    assert!(
        names.contains(&"proxy") && names.contains(&"dns"),
        "{names:?}"
    );

    // A user search finds that user's logons.
    let r = idx
        .search_str(
            &format!("user:{user} EventID:4624"),
            &SearchOptions::new(now),
        )
        .expect("parse");
    assert!(r.total > 0, "no logons for {user}");
    for h in &r.hits {
        assert_eq!(h.source, "win_security");
        assert!(
            h.line.contains("4624") && h.line.contains(user.as_str()),
            "{}",
            h.line
        );
    }
    // The host aggregation adds up to the total.
    let a = idx
        .search_str(
            &format!("user:{user} | count by host"),
            &SearchOptions::new(now),
        )
        .expect("parse");
    let sum: usize = a
        .aggregation
        .expect("agg")
        .rows
        .iter()
        .map(|r| r.count)
        .sum();
    assert_eq!(sum, a.total);
}

#[test]
fn saida_city_append_as_the_clock_advances() {
    let mut w = world();
    let from = START - 4 * HOUR;
    let mut idx = Index::new();
    append_events(&mut idx, &w, w.events().filter(|e| e.t >= from)).expect("append");
    let before = idx.len();
    w.advance_to(START + 3 * HOUR);
    let added = append_events(&mut idx, &w, w.events().filter(|e| e.t >= START)).expect("append");
    assert_eq!(idx.len(), before + added);
    assert!(added > 0);
    let mut fresh = Index::new();
    append_events(&mut fresh, &w, w.events().filter(|e| e.t >= from)).expect("append");
    fresh.optimize();
    assert_eq!(fresh.len(), idx.len());
    let now = START + 3 * HOUR;
    for q in [
        "source:proxy status:>=400",
        "EventID:4625 | count by host",
        "last:2h source:dns",
        "ip:10.0.0.0/8 NOT source:dhcp",
        "domain:*.lg.jp",
    ] {
        let q = parse(q).expect("parse");
        let a = idx.matches(&q, now);
        let b = fresh.matches(&q, now);
        assert_eq!(a, b);
        if let Some(agg) = &q.agg {
            assert_eq!(idx.aggregate(&a, agg), fresh.aggregate(&b, agg));
        }
    }
    for d in [0u32, (idx.len() / 2) as u32, (idx.len() - 1) as u32] {
        assert_eq!(idx.hit(d), fresh.hit(d));
    }
}

/// Whole-world adapter round trip: indexing a world and then appending what
/// the clock added gives the same index as indexing the advanced world anew
/// (about 7 s in the dev profile).
#[test]
fn saida_city_index_world_then_append_world() {
    let mut w = world();
    let mut idx = index_world(&w);
    assert_eq!(idx.len(), w.events().count());
    w.advance_to(START + 2 * HOUR);
    let added = append_world(&mut idx, &w).expect("append");
    assert!(added > 0);
    assert_eq!(append_world(&mut idx, &w).expect("append"), 0);
    let fresh = index_world(&w);
    assert_eq!(idx.len(), fresh.len());
    let now = START + 2 * HOUR;
    for q in [
        "last:1h | count by source",
        "user:* EventID:4624",
        "domain:*.biz",
        "不審",
    ] {
        let q = parse(q).expect("parse");
        let (a, b) = (idx.matches(&q, now), fresh.matches(&q, now));
        assert_eq!(a, b);
        if let Some(agg) = &q.agg {
            assert_eq!(idx.aggregate(&a, agg), fresh.aggregate(&b, agg));
        }
    }
}

/// Aggregations (by host: counted from the matched records; by any other
/// field: from the field's postings and columns) count like brute force, and
/// the source filter inside a narrow AND (checking the records) agrees too.
#[test]
fn saida_city_aggregations_and_sources_agree_with_brute_force() {
    let w = world();
    let evs: Vec<&kasumi_range::Event> = w.events().filter(|e| e.t >= START - 6 * HOUR).collect();
    let mut idx = Index::new();
    append_events(&mut idx, &w, evs.iter().copied()).expect("append");
    let now = START;
    for (q, field) in [
        ("*", "host"),
        ("source:proxy", "status"),
        ("source:web status:>=400", "client"),
        ("EventID:4624", "host"),
        ("EventID:4625", "IpAddress"),
        ("user:*", "user"),
        ("ip:10.0.0.0/8 source:dns", "client"),
        ("source:mail", "qid"),
    ] {
        let m = idx.matches(&parse(q).expect("parse"), now);
        let got: std::collections::BTreeMap<String, usize> = idx
            .aggregate(&m, &Agg::CountBy(field.into()))
            .rows
            .into_iter()
            .map(|r| (r.value.to_ascii_lowercase(), r.count))
            .collect();
        let mut want = std::collections::BTreeMap::new();
        for d in m.iter() {
            for (k, v) in w.fields(evs[d as usize]) {
                if k.eq_ignore_ascii_case(field) {
                    *want.entry(v.to_string().to_ascii_lowercase()).or_insert(0) += 1;
                }
            }
        }
        assert!(!want.is_empty(), "{q}");
        assert_eq!(got, want, "{q} | count by {field}");
    }
    for q in [
        "last:1h source:web",
        "last:10m source:pro*",
        "last:1h NOT source:proxy",
    ] {
        let m = idx.matches(&parse(q).expect("parse"), now);
        let not = q.contains("NOT");
        let since = now - if q.contains("10m") { 10 * MIN } else { HOUR };
        let want: Vec<u32> = (0..idx.len() as u32)
            .filter(|&d| {
                let e = evs[d as usize];
                let name = e.source.name();
                let src_ok = if not {
                    name != "proxy"
                } else if q.ends_with('*') {
                    name.starts_with("pro")
                } else {
                    name == "web"
                };
                e.t >= since && e.t <= now && src_ok
            })
            .collect();
        assert!(!want.is_empty(), "{q}");
        assert_eq!(m.iter().collect::<Vec<_>>(), want, "{q}");
    }
}
