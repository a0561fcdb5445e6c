//! Id rules, by property tests.

use kasumi_ismap::*;
use proptest::prelude::*;

fn valid_id() -> impl Strategy<Value = (Vec<u16>, String)> {
    (3u16..=18, prop::collection::vec(1u16..=999, 0..=3)).prop_map(|(ch, rest)| {
        let mut comps = vec![ch];
        comps.extend(rest);
        let s = comps
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(".");
        (comps, s)
    })
}

proptest! {
    #[test]
    fn valid_ids_parse_to_their_numbers((comps, s) in valid_id()) {
        prop_assert_eq!(parse_id(&s), Ok(comps.clone()));
        let item = Item::ismap(&s);
        prop_assert_eq!(item.kind, Kind::from_depth(comps.len()));
        let parent = (comps.len() > 1).then(|| s.rsplit_once('.').unwrap().0.to_string());
        prop_assert_eq!(item.parent.clone(), parent);
        prop_assert_eq!(item.part(), Part::of_chapter(comps[0]));
    }

    #[test]
    fn anything_that_parses_is_canonical(s in "[0-9.a]{0,12}") {
        if let Ok(comps) = parse_id(&s) {
            let again = comps.iter().map(u16::to_string).collect::<Vec<_>>().join(".");
            prop_assert_eq!(again, s);
            prop_assert!((1..=4).contains(&comps.len()));
            prop_assert!((3..=18).contains(&comps[0]));
        }
    }

    #[test]
    fn leading_zeros_and_extra_depth_are_rejected((_, s) in valid_id(), extra in 1u16..99) {
        let bad = [
            format!("{s}.0{extra}"),
            format!("{s}.{extra}.{extra}.{extra}.{extra}"),
            format!("{s}."),
            format!(" {s}"),
        ];
        for b in bad {
            prop_assert!(parse_id(&b).is_err(), "{}", b);
        }
    }

    #[test]
    fn chapters_outside_3_to_18_are_rejected(ch in prop_oneof![1u16..=2, 19u16..=999], rest in 1u16..=99) {
        prop_assert_eq!(parse_id(&format!("{ch}.{rest}")), Err(IdError::ChapterOutOfRange(ch)));
    }

    #[test]
    fn a_detailed_control_needs_its_objective(a in 5u16..=18, b in 1u16..=20, c in 1u16..=20, d in 1u16..=20) {
        let mut cat = Catalog::default();
        for id in [format!("{a}"), format!("{a}.{b}")] {
            let mut it = Item::ismap(&id);
            it.title_ja = "見出し".into();
            cat.items.push(it);
        }
        let mut ctl = Item::ismap(&format!("{a}.{b}.{c}.{d}"));
        ctl.text_ja = "本文".into();
        cat.items.push(ctl.clone());
        let err = cat.validate().unwrap_err();
        prop_assert_eq!(err.issues.len(), 1);
        prop_assert_eq!(&err.issues[0].problem, &Problem::MissingParent { id: ctl.id.clone(), parent: format!("{a}.{b}.{c}") });
        // adding the objective fixes it
        let mut obj = Item::ismap(&format!("{a}.{b}.{c}"));
        obj.text_ja = "目的".into();
        cat.items.insert(2, obj);
        prop_assert!(cat.validate().is_ok());
    }
}

#[test]
fn fixed_examples() {
    assert_eq!(parse_id("8.1.2.1"), Ok(vec![8, 1, 2, 1]));
    assert_eq!(parse_id("3.1"), Ok(vec![3, 1]));
    assert_eq!(parse_id("18"), Ok(vec![18]));
    for bad in [
        "",
        ".",
        "8..1",
        "8.1.2.1.1",
        "8.1a",
        "８.1",
        "8.1000",
        "8.-1",
        "8.0",
    ] {
        assert!(parse_id(bad).is_err(), "{bad}");
    }
    assert_eq!(Item::ismap("8.1.2").part(), Some(Part::Controls));
    assert_eq!(Item::ismap("3.1.1.1").part(), Some(Part::Governance));
    assert_eq!(Item::ismap("4.2.1").part(), Some(Part::Management));
    assert!(
        Item::ismap("8.1.2").mandatory,
        "objectives default to mandatory"
    );
    assert!(!Item::ismap("8.1.2.1").mandatory);
    assert!(
        Item::ismap("4.1.1.1").mandatory,
        "management criteria default to mandatory"
    );
}
