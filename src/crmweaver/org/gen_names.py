"""Word pools for people and companies: realistic, varied, and big enough for unique user names."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Aaron Abigail Adrian Aisha Alan Alejandro Alexis Alice Alicia Amara Amir Ana Andre Andrea Angela Anika "
    "Anthony Arjun Ava Beatriz Ben Bianca Brandon Brianna Caleb Camila Carlos Carmen Catherine Chen Chloe "
    "Christopher Claire Connor Daniel Daniela Darius David Deepa Derek Diana Diego Dmitri Elena Eli Elijah "
    "Elise Emily Emma Eric Esther Ethan Fatima Felix Fernando Fiona Gabriel Grace Hannah Harold Hassan Helen "
    "Hiro Ian Imani Irene Isaac Isabel Ivan Jack Jacob Jamal James Jasmine Javier Jenna Jessica Jin Joanna "
    "Jordan Jorge Joseph Julia Julian Kai Karen Kenji Kevin Kiara Laila Laura Leah Leo Liam Lina Lucas Lucia "
    "Luis Maya Malik Marcus Maria Mariana Mark Martin Mateo Megan Mei Michael Miguel Mira Nadia Naomi Nathan "
    "Nia Nikhil Nina Noah Olivia Omar Oscar Owen Paige Paolo Priya Rachel Rafael Rahul Ravi Rebecca Ricardo "
    "Riley Rosa Ryan Samuel Sana Santiago Sara Sean Sofia Sophie Stefan Sunil Tanya Teresa Thomas Tomas "
    "Valentina Victor Vivian Wei William Xavier Yara Yusuf Zara Zoe"
).split()

LAST_NAMES = (
    "Abbott Acosta Adams Aguilar Ahmed Alvarez Anderson Andrews Arnold Bailey Baker Banerjee Barnes Becker "
    "Bennett Bishop Brooks Burke Campbell Carter Castillo Chang Chavez Choi Clarke Cohen Coleman Collins Cruz "
    "Das Davies Diaz Dixon Duarte Dunn Edwards Ellis Evans Farah Fischer Fletcher Flores Foster Fraser Garcia "
    "Gardner Gibson Gomez Gonzalez Gordon Graham Grant Gupta Hall Hansen Harper Hayes Henderson Hernandez Hill "
    "Hoffman Holmes Hughes Hussain Ibrahim Iyer Jackson Jensen Johnson Kapoor Kaur Keller Kelly Khan Kim Klein "
    "Kowalski Kumar Larsen Lee Lewis Lin Lopez Marshall Martinez Mehta Mendez Meyer Miller Mitchell Morales "
    "Moreno Murphy Nakamura Nguyen Nielsen Novak Obi Okafor Olsen Ortiz Park Patel Perez Peterson Phillips "
    "Popescu Porter Quinn Ramirez Reddy Reyes Richter Rivera Roberts Robinson Rossi Russo Sanchez Santos "
    "Schmidt Schneider Shah Silva Singh Sokolov Stewart Sullivan Suzuki Tanaka Taylor Thompson Torres Tran "
    "Turner Vargas Walker Wang Ward Weber Wong Wright Yamamoto Yang Young Zhang Zimmerman"
).split()

COMPANY_HEADS = (
    "Apex Arcadia Beacon Bluewater Brightline Cascade Cobalt Corvid Crestview Delta Eastgate Ember Evergreen "
    "Falcon Fathom Flux Granite Halcyon Harbor Helix Horizon Ironwood Juniper Keystone Kinetic Lakeshore "
    "Lumen Magnolia Meridian Monarch Nimbus Northstar Oakridge Onyx Orbital Paragon Pinnacle Polaris Prism "
    "Quantum Redwood Ridgeline Sable Sentinel Sierra Silverline Solstice Sterling Summit Tidewater Titan "
    "Trident Vantage Vector Vertex Westbrook Zenith"
).split()

COMPANY_TAILS = (
    "Semiconductor", "Microsystems", "Electronics", "Automotive", "Aerospace", "Robotics", "Medical Devices",
    "Energy", "Networks", "Instruments", "Photonics", "Power Systems", "Industrial", "Mobility", "Devices",
    "Technologies", "Circuits", "Controls", "Defense Systems", "Manufacturing",
)
COMPANY_SUFFIXES = ("Inc.", "Corp.", "LLC", "Ltd.", "Group", "Co.", "Holdings", "")

INDUSTRIES = (
    "Semiconductors", "Automotive", "Aerospace & Defense", "Consumer Electronics", "Telecommunications",
    "Medical Devices", "Industrial Automation", "Energy & Utilities", "Computer Hardware", "Robotics",
    "Data Centers", "Research & Education",
)

B2B_TITLES = (
    "CTO", "VP of Engineering", "Director of Engineering", "Head of Hardware", "Engineering Manager",
    "Chief Information Security Officer", "Senior Hardware Engineer", "Design Engineer", "Procurement Specialist",
    "Project Manager", "Test Engineer", "IT Administrator", "Firmware Engineer", "Purchasing Manager",
)

EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "hotmail.com", "aol.com")


def slug(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def company_domain(company: str) -> str:
    words = [w for w in company.replace(".", "").split() if w not in COMPANY_SUFFIXES]
    return slug("".join(words[:2])) + ".com"


def phone(rng: random.Random) -> str:
    return f"({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}"


def unique_names(rng: random.Random, n: int, taken: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """n distinct (first, last) pairs; `taken` pairs are avoided and updated."""
    taken = set() if taken is None else taken
    out = []
    while len(out) < n:
        pair = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if pair not in taken:
            taken.add(pair)
            out.append(pair)
    return out


def company_names(rng: random.Random, n: int, taken: set[str] | None = None) -> list[str]:
    taken = set() if taken is None else taken
    out = []
    while len(out) < n:
        suffix = rng.choice(COMPANY_SUFFIXES)
        name = f"{rng.choice(COMPANY_HEADS)} {rng.choice(COMPANY_TAILS)}" + (f" {suffix}" if suffix else "")
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out
