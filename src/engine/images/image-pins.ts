// Pins: the images that work in progress uses but no container record names yet, or ever: a
// build (its bases and each step's image, until it ends), a container create (from resolving its
// image until its record is saved). For rmi and prune a pinned image is in use by a running
// user: never deleted, only untagged by -f. Without them `docker image prune` beside a build
// deleted the step image the next step builds on ("No such image"), as dockerd's classic
// builder does. Pins live in memory: a crash ends the work that pinned. (A Lease of the image
// store keeps layers from its garbage collection while an image is assembled; a pin keeps a
// whole image, record and layers, from rmi and prune.)

/** One holder's pins: a build, a push, a save or a create. */
export class ImagePin {
  readonly ids = new Set<string>();
  /** Who holds it, in rmi's conflict message ("a build in progress"). */
  constructor(readonly what: string) {}
}

export class ImagePins {
  private readonly byImage = new Map<string, Set<ImagePin>>();

  /** Pins id for the holder (again is a no-op). */
  add(pin: ImagePin, id: string): void {
    pin.ids.add(id);
    let holders = this.byImage.get(id);
    if (!holders) this.byImage.set(id, (holders = new Set()));
    holders.add(pin);
  }

  /** Lets go of everything the holder pinned. */
  release(pin: ImagePin): void {
    for (const id of pin.ids) {
      const holders = this.byImage.get(id);
      holders?.delete(pin);
      if (holders?.size === 0) this.byImage.delete(id);
    }
    pin.ids.clear();
  }

  /** A holder pinning id, if any. */
  holder(id: string): ImagePin | undefined {
    return this.byImage.get(id)?.values().next().value;
  }
}
