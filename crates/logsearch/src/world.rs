//! Adapter from the range engine: index a [`World`]'s events.

use kasumi_range::{Event, Field, World};

use crate::index::{AppendError, Index, Record, Value};

/// Index every event of `world` visible now.
pub fn index_world(world: &World) -> Index {
    let mut idx = Index::new();
    // A world's events are sorted, so appending cannot fail.
    let _ = append_world(&mut idx, world);
    idx.optimize();
    idx
}

/// Append the events of `world` that are not yet in `index` (those after
/// the first `index.len()`; the index must only ever be fed from this world
/// through this function, since a world's already visible events never
/// change). Call after [`World::advance_to`]. Returns how many were added.
pub fn append_world(index: &mut Index, world: &World) -> Result<usize, AppendError> {
    let skip = index.len();
    append_events(index, world, world.events().skip(skip))
}

/// Append the given events of `world` (in time order, none older than the
/// last indexed record). Returns how many were added.
pub fn append_events<'a>(
    index: &mut Index,
    world: &World,
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<usize, AppendError> {
    let mut line = String::with_capacity(1024);
    let mut fields: Vec<(&str, Value<'_>)> = Vec::with_capacity(16);
    let mut added = 0;
    for e in events {
        line.clear();
        world.render(e, &mut line);
        fields.clear();
        fields.extend(world.fields(e).into_iter().map(|(k, v)| {
            (
                k,
                match v {
                    Field::Str(s) => Value::Str(s),
                    Field::Ip(ip) => Value::Ip(ip),
                    Field::Num(n) => Value::Num(n),
                },
            )
        }));
        index.push(&Record {
            time: e.t,
            source: e.source.name(),
            fields: &fields,
            line: &line,
        })?;
        added += 1;
    }
    Ok(added)
}
