"""B2B preset data: an electronic-design and analytics software vendor selling to companies.

Plain tables only; `catalog_kb` turns them into catalog objects. Product rows are
(name, category, list price USD, what it does, aliases); aliases shared by 2-3 products are
deliberate (named-entity disambiguation needs purchase history to resolve them).
"""

from __future__ import annotations

COMPANY = "Voltaris Design Systems"
UNIT = "license"  # what a quote quantity counts
UNITS = "licenses"
ARTICLE_TARGET = 194

# category -> vocabulary for product FAQs
CATEGORIES: dict[str, dict] = {
    "Circuit Simulation": {
        "about": "circuit-level simulation of analog, mixed-signal and RF designs",
        "formats": ("SPICE netlists (.sp, .cir)", "Spectre netlists (.scs)", "Verilog-A models", "IBIS 7.1",
                    "Touchstone (.s2p-.s16p)", "PSF waveforms", "FSDB waveforms", "CSV"),
        "unit": "circuit nodes", "limit": (2_000_000, 40_000_000),
        "integrations": ("Cadence Virtuoso", "KiCad", "MATLAB", "Python 3.10+", "Jenkins", "Git"),
    },
    "PCB Design": {
        "about": "printed-circuit-board layout, routing and manufacturability",
        "formats": ("ODB++", "IPC-2581", "Gerber RS-274X", "Excellon drill", "DXF", "STEP AP214", "IDF 3.0", "EDIF 2.0"),
        "unit": "board layers", "limit": (32, 128),
        "integrations": ("SolidWorks", "Altium 365 import", "Siemens Teamcenter", "Jira", "Git", "Octopart"),
    },
    "Power Optimization": {
        "about": "power estimation, IR-drop analysis and power-delivery optimisation",
        "formats": ("LEF/DEF 5.8", "Liberty (.lib)", "SPEF", "VCD", "SAIF", "UPF 3.1", "CPF", "CSV"),
        "unit": "power-grid nodes", "limit": (50_000_000, 900_000_000),
        "integrations": ("Synopsys PrimeTime", "Cadence Innovus", "OpenROAD", "Python 3.10+", "Slurm", "Grafana"),
    },
    "Signal Integrity": {
        "about": "high-speed channel, crosstalk and reflection analysis",
        "formats": ("IBIS 7.1", "IBIS-AMI", "Touchstone (.s2p-.s16p)", "HSPICE netlists", "ODB++", "IPC-2581", "CSV"),
        "unit": "coupled nets", "limit": (5_000, 120_000),
        "integrations": ("Keysight ADS", "MATLAB", "BoardCraft PCB Modeler", "Python 3.10+", "Git", "Excel"),
    },
    "Thermal Analysis": {
        "about": "thermal simulation of chips, packages, boards and enclosures",
        "formats": ("STEP AP214", "Parasolid (.x_t)", "IDF 3.0", "ODB++", "JEDEC JESD15 models", "CSV", "VTK"),
        "unit": "mesh cells", "limit": (10_000_000, 250_000_000),
        "integrations": ("SolidWorks", "PTC Creo", "ANSYS Workbench import", "Python 3.10+", "Slurm", "ParaView"),
    },
    "FPGA Tools": {
        "about": "FPGA synthesis, implementation, timing closure and on-chip debug",
        "formats": ("Verilog-2005", "SystemVerilog 2017", "VHDL-2008", "EDIF 2.0", "SDC", "XDC", "VCD"),
        "unit": "logic cells", "limit": (500_000, 9_000_000),
        "integrations": ("AMD Vivado", "Intel Quartus Prime", "Lattice Radiant", "Jenkins", "GitLab CI", "VS Code"),
    },
    "Security Analytics": {
        "about": "security monitoring and vulnerability analysis for devices, firmware and plants",
        "formats": ("Syslog (RFC 5424)", "CEF", "JSON Lines", "PCAP", "STIX 2.1", "CycloneDX SBOM", "SPDX 2.3"),
        "unit": "events per second", "limit": (20_000, 600_000),
        "integrations": ("Splunk", "Microsoft Sentinel", "ServiceNow", "Jira", "Slack", "Okta"),
    },
    "Data Analytics": {
        "about": "engineering and manufacturing data analytics",
        "formats": ("CSV", "Parquet", "STDF V4", "JSON", "Excel (.xlsx)", "SQL (ODBC/JDBC)", "HDF5"),
        "unit": "rows per dataset", "limit": (50_000_000, 2_000_000_000),
        "integrations": ("Snowflake", "PostgreSQL", "Tableau", "Power BI", "Python 3.10+", "Databricks"),
    },
    "Embedded Software": {
        "about": "embedded firmware development, profiling and virtual prototyping",
        "formats": ("ELF", "DWARF 5", "Intel HEX", "CMSIS-SVD", "Device Tree (.dts)", "JSON", "CSV"),
        "unit": "KB of target flash", "limit": (512, 65_536),
        "integrations": ("VS Code", "Eclipse CDT", "GCC Arm 12", "IAR Embedded Workbench", "Jenkins", "Git"),
    },
    "Verification & Test": {
        "about": "functional verification, coverage closure and manufacturing test",
        "formats": ("SystemVerilog 2017", "UVM 1.2", "UCIS coverage", "VCD", "FSDB waveforms", "STIL", "WGL", "JUnit XML"),
        "unit": "gates", "limit": (10_000_000, 500_000_000),
        "integrations": ("Synopsys VCS", "Cadence Xcelium", "Siemens Questa", "Jenkins", "GitLab CI", "Jira"),
    },
}

PRODUCTS: list[tuple[str, str, float, str, tuple[str, ...]]] = [
    # Circuit Simulation
    ("SpiceWave Simulator", "Circuit Simulation", 12500, "A SPICE-class simulator for analog and mixed-signal circuits with DC, AC, transient and noise analyses.", ("the simulator", "SpiceWave", "the circuit sim")),
    ("SpiceWave Simulator Pro", "Circuit Simulation", 24000, "Extends SpiceWave with Monte Carlo, process-corner sweeps and distributed solving across a compute farm.", ("the simulator", "SpiceWave Pro", "the pro simulator")),
    ("MixSim RF Studio", "Circuit Simulation", 31000, "Harmonic-balance and envelope simulation for RF front ends, mixers and PLLs.", ("the RF tool", "MixSim", "the RF simulator")),
    ("TransientX Accelerator", "Circuit Simulation", 8900, "A GPU-accelerated transient solver that plugs into SpiceWave and cuts long transient runs by up to ten times.", ("the accelerator", "the GPU add-on", "TransientX")),
    ("CircuitSense Analyzer", "Circuit Simulation", 6400, "Waveform post-processing with automated measurements, eye diagrams and pass/fail specification checks.", ("the waveform viewer", "the analyzer", "CircuitSense")),
    ("AnalogFlow Designer", "Circuit Simulation", 15800, "Schematic capture and symbol management for analog IC and discrete designs, tied to simulation setups.", ("the schematic tool", "AnalogFlow")),
    # PCB Design
    ("BoardCraft PCB Modeler", "PCB Design", 18500, "Full PCB layout with constraint-driven placement, 3D board view and manufacturing outputs.", ("the PCB tool", "BoardCraft", "the layout tool")),
    ("BoardCraft Router Plus", "PCB Design", 9700, "A push-and-shove interactive and automatic router for dense HDI boards.", ("the router", "the PCB tool", "the autorouter")),
    ("LayerStack Planner", "PCB Design", 4200, "Plans layer stackups with impedance targets and fabricator material libraries.", ("the stackup tool", "LayerStack")),
    ("PanelForge DFM Checker", "PCB Design", 7600, "Checks boards and panels against fabrication and assembly rules before release.", ("the DFM checker", "PanelForge", "the checker")),
    ("FlexCircuit Designer", "PCB Design", 13200, "Designs flex and rigid-flex circuits with bend-area rules and 3D folding.", ("the flex tool", "the PCB tool")),
    # Power Optimization
    ("PowerOptima Analyzer Pro", "Power Optimization", 21500, "Cycle-accurate power analysis for SoCs with activity-based estimation and what-if exploration.", ("the power manager", "the power analyzer", "PowerOptima")),
    ("PowerOptima Manager Lite", "Power Optimization", 7900, "Power budgeting and reporting for smaller teams, with block-level power tracking across milestones.", ("the power manager", "PowerOptima Lite")),
    ("VoltGuard IR Drop Solver", "Power Optimization", 16400, "Static and dynamic IR-drop and electromigration analysis of on-chip power grids.", ("the IR drop tool", "VoltGuard")),
    ("EnergyLens Estimator", "Power Optimization", 5600, "Early, RTL-level power estimation that ranks blocks by switching energy.", ("the power estimator", "EnergyLens")),
    ("GridBalance PDN Optimizer", "Power Optimization", 19800, "Optimises board and package power-delivery networks, decoupling capacitors and target impedance.", ("the PDN tool", "the power manager", "GridBalance")),
    # Signal Integrity
    ("SignalTrace SI Analyzer", "Signal Integrity", 17300, "Post-layout signal-integrity analysis of reflections, ringing and timing margins.", ("the SI tool", "SignalTrace")),
    ("EyeScope Channel Simulator", "Signal Integrity", 22600, "Statistical and bit-by-bit channel simulation with eye and bathtub curves.", ("the eye diagram tool", "the channel sim", "EyeScope")),
    ("CrossTalk Sentinel", "Signal Integrity", 9400, "Screens every routed net for near- and far-end crosstalk against budgets.", ("the crosstalk checker", "Sentinel")),
    ("SerDes Link Modeler", "Signal Integrity", 26800, "Models 56G and 112G PAM4 SerDes links end to end with IBIS-AMI equalisation.", ("the SerDes tool", "the channel sim")),
    ("TDR Insight Studio", "Signal Integrity", 6900, "Simulated and measured time-domain reflectometry to locate impedance discontinuities.", ("the TDR tool", "the SI tool")),
    # Thermal Analysis
    ("ThermaSim Solver", "Thermal Analysis", 19200, "Conjugate heat-transfer solver for boards and enclosures with steady-state and transient modes.", ("the thermal solver", "ThermaSim")),
    ("ThermaSim Package Edition", "Thermal Analysis", 11800, "Thermal models of IC packages, compact-model extraction and junction-temperature prediction.", ("the thermal solver", "the package tool")),
    ("HeatMap Visualizer", "Thermal Analysis", 4800, "Interactive 3D visualisation of temperature fields, probes and hot-spot reports.", ("the heat map tool", "the thermal viewer")),
    ("AirFlow CFD Lite", "Thermal Analysis", 8600, "Fast airflow simulation for fans, vents and rack-level cooling.", ("the CFD tool", "AirFlow")),
    ("CoolPath Heatsink Designer", "Thermal Analysis", 7300, "Parametric heatsink and cold-plate design with fin optimisation.", ("the heatsink tool", "CoolPath")),
    # FPGA Tools
    ("LogicForge FPGA Synthesizer", "FPGA Tools", 14900, "Vendor-neutral RTL synthesis for FPGAs with retiming and resource sharing.", ("the synthesis tool", "LogicForge", "the FPGA tool")),
    ("LogicForge Timing Closer", "FPGA Tools", 10600, "Guided timing closure with path diagnosis and constraint suggestions.", ("the timing tool", "the FPGA tool")),
    ("GateMapper Place & Route", "FPGA Tools", 16700, "Placement and routing for large FPGAs with incremental compile.", ("the place and route tool", "GateMapper")),
    ("HDL Lint Guardian", "FPGA Tools", 3900, "Lints Verilog, SystemVerilog and VHDL for synthesis and clock-domain-crossing issues.", ("the linter", "the HDL checker")),
    ("BitStream Debug Probe", "FPGA Tools", 5200, "In-system logic analyser cores and a host viewer for live FPGA debug.", ("the debug probe", "the FPGA debugger")),
    # Security Analytics
    ("SecureSight Threat Analytics", "Security Analytics", 28500, "Correlates device, network and plant telemetry to detect threats with ranked alerts.", ("the security dashboard", "SecureSight")),
    ("SecureSight Log Collector", "Security Analytics", 6200, "Collects, normalises and forwards logs from devices and servers into SecureSight.", ("the log collector", "the security tool")),
    ("FirmwareShield Scanner", "Security Analytics", 12400, "Scans firmware images for known vulnerabilities, hard-coded secrets and weak crypto.", ("the firmware scanner", "FirmwareShield")),
    ("SideChannel Inspector", "Security Analytics", 18900, "Simulates power and electromagnetic side-channel leakage of crypto hardware before tape-out.", ("the side-channel tool", "the security tool")),
    ("AccessPulse Anomaly Detector", "Security Analytics", 15300, "Learns normal access patterns and flags anomalous logins and privilege use.", ("the anomaly detector", "the security dashboard")),
    # Data Analytics
    ("InsightGrid Analytics Suite", "Data Analytics", 23400, "Self-service engineering analytics with dashboards, notebooks and scheduled reports.", ("the analytics suite", "InsightGrid", "the dashboard")),
    ("YieldScope Manufacturing Analytics", "Data Analytics", 19600, "Wafer and board yield analysis with bin maps, correlations and excursion alerts.", ("the yield tool", "YieldScope")),
    ("TestData Miner", "Data Analytics", 8300, "Mines tester logs for outliers, drift and failing-test signatures.", ("the data miner", "the analytics tool")),
    ("TrendCast Forecaster", "Data Analytics", 11200, "Forecasts demand, failures and capacity from time series with explainable models.", ("the forecasting tool", "TrendCast", "the analytics tool")),
    ("SensorStream Telemetry Hub", "Data Analytics", 9800, "Ingests and stores high-rate sensor telemetry with live dashboards.", ("the telemetry hub", "the dashboard")),
    # Embedded Software
    ("FirmCore RTOS Studio", "Embedded Software", 13600, "An RTOS configuration and debugging environment with task-aware tracing.", ("the RTOS", "FirmCore")),
    ("CodeFit Memory Profiler", "Embedded Software", 5900, "Profiles stack, heap and flash usage of embedded builds and flags regressions.", ("the profiler", "the memory tool")),
    ("DriverGen Peripheral Builder", "Embedded Software", 7400, "Generates peripheral drivers and register headers from device descriptions.", ("the driver generator", "DriverGen")),
    ("BootSafe Secure Loader", "Embedded Software", 6600, "A signed, rollback-protected bootloader kit with secure firmware update.", ("the bootloader", "BootSafe")),
    ("EmbedSim Virtual Platform", "Embedded Software", 17900, "Runs unmodified firmware on virtual boards for pre-silicon software development.", ("the virtual platform", "the simulator", "EmbedSim")),
    # Verification & Test
    ("VeriFlow Coverage Manager", "Verification & Test", 15100, "Merges and tracks functional and code coverage against a verification plan.", ("the coverage tool", "VeriFlow")),
    ("VeriFlow Formal Checker", "Verification & Test", 21900, "Formal property checking and equivalence checking for RTL blocks.", ("the formal tool", "VeriFlow")),
    ("TestBench Automator", "Verification & Test", 9200, "Generates UVM testbench scaffolding, sequences and scoreboards from specifications.", ("the testbench tool", "the test automator")),
    ("FaultSim ATPG Engine", "Verification & Test", 18300, "Automatic test-pattern generation and fault simulation for manufacturing test.", ("the ATPG tool", "FaultSim")),
    ("RegressionHub Scheduler", "Verification & Test", 4600, "Schedules and triages nightly regressions across compute farms.", ("the regression scheduler", "the test automator")),
]

# (name, description, keywords, symptoms)
ISSUES: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("License Activation Failure", "The product cannot check out or activate a license from the license server or the activation portal.",
     ("license", "activation", "checkout", "license server", "FLEXlm", "seat"),
     ("Every time I launch the tool it says no license is available, although we bought enough seats.",
      "The activation portal rejects our license key with an 'invalid host ID' error.",
      "Our license server shows the feature as checked out by a user who left hours ago.",
      "After moving the license server to a new VM, nobody can check out a license.",
      "The license checkout times out after about 30 seconds and the application closes.")),
    ("Installation Error", "The installer or an update fails, or the product does not start after installation.",
     ("install", "installer", "setup", "update", "upgrade", "dependency"),
     ("The installer stops at 80 % with a missing dependency error.",
      "After upgrading to the latest release the application does not start at all.",
      "Setup complains that the installation directory is not writable, even as administrator.",
      "The silent install on our build servers exits with code 1603 and no log.",
      "The update wiped our custom configuration files.")),
    ("Simulation Crash", "A simulation or analysis run terminates abnormally.",
     ("crash", "segmentation fault", "core dump", "aborted", "terminated", "stack trace"),
     ("The simulation crashes with a segmentation fault about halfway through the transient run.",
      "The solver aborts with a core dump whenever I enable the parasitic extraction.",
      "Long runs terminate overnight without any error message in the log.",
      "The tool crashes as soon as I open our largest design.",
      "A stack trace pops up and the job is killed when I add a second corner.")),
    ("Performance Degradation", "Runs, screens or queries have become much slower than expected.",
     ("slow", "performance", "runtime", "hangs", "lag", "takes hours"),
     ("Runs that used to take twenty minutes now take over three hours.",
      "The interface lags for several seconds after every click on large designs.",
      "The job seems to hang at the meshing step and CPU usage stays at 100 %.",
      "Since the last update the nightly batch does not finish before morning.",
      "Opening a project takes several minutes even on a fast workstation.")),
    ("Incorrect Results", "The product produces results that disagree with measurements, hand calculations or a previous version.",
     ("incorrect", "wrong results", "mismatch", "accuracy", "discrepancy", "correlation"),
     ("The results do not match our lab measurements; the error is over 20 %.",
      "The same input gives a different answer than the previous version did.",
      "The reported values look physically impossible in one region of the design.",
      "Our hand calculation and the tool disagree by an order of magnitude.",
      "Two runs with identical settings give different numbers.")),
    ("File Import/Export Failure", "Design or data files cannot be imported or exported correctly.",
     ("import", "export", "file format", "parse error", "corrupt", "translator"),
     ("Importing our ODB++ archive fails with a parse error on line 1.",
      "Exported files open in the other tool but half of the objects are missing.",
      "The import finishes but all units are off by a factor of 1000.",
      "The translator rejects files from our supplier as corrupt.",
      "Export to CSV truncates long names and breaks our scripts.")),
    ("Integration Failure", "A connection to a third-party tool, data source or CI system does not work.",
     ("integration", "plugin", "API", "connector", "webhook", "CI pipeline"),
     ("The plugin no longer appears in our CAD tool after its update.",
      "Our CI pipeline fails because the API returns a 401 even with a valid token.",
      "The connector to our database disconnects every few minutes.",
      "Webhooks to our ticketing system stopped firing last week.",
      "The Python API throws an import error on the new interpreter version.")),
    ("Data Synchronization Problem", "Shared projects, libraries or cloud workspaces do not stay in sync.",
     ("sync", "synchronization", "out of date", "conflict", "workspace", "library"),
     ("Colleagues see an older version of the library than the one I published.",
      "The cloud workspace shows merge conflicts on files nobody edited.",
      "Changes made offline are lost when I reconnect.",
      "The shared component library stopped syncing between our two sites.",
      "Dashboards show yesterday's data even though the sync says it succeeded.")),
    ("User Interface Glitch", "Screens render incorrectly or controls behave unexpectedly.",
     ("UI", "display", "rendering", "button", "window", "screen"),
     ("Menus render as blank grey boxes on our 4K monitors.",
      "The 3D view flickers and sometimes turns completely black.",
      "Buttons in the settings dialog do nothing when clicked.",
      "Windows open off-screen after I disconnect my second monitor.",
      "Text overlaps in the report panel and I cannot read the values.")),
    ("Account Access Problem", "Users cannot sign in to the customer portal or the product's cloud services.",
     ("login", "password", "sign in", "SSO", "locked out", "portal access"),
     ("I cannot log in to the customer portal; the password reset email never arrives.",
      "Single sign-on redirects me back to the login page in a loop.",
      "My account was locked out after one failed attempt.",
      "A new engineer on our team cannot see any of our downloads in the portal.",
      "Two-factor codes are always rejected as expired.")),
    ("Billing Discrepancy", "Invoices, renewals or charges do not match the agreed order.",
     ("invoice", "billing", "charged", "renewal", "overcharge", "credit"),
     ("Our invoice lists twice as many licenses as we ordered.",
      "We were charged for the renewal although we cancelled it in writing.",
      "The discount from our quote is missing from the invoice.",
      "We received two invoices for the same order number.",
      "The invoice currency is wrong and our finance team cannot pay it.")),
    ("Security Vulnerability Report", "A customer reports a possible vulnerability or security concern in the product.",
     ("vulnerability", "CVE", "security", "exploit", "encryption", "exposure"),
     ("Our security scan flags a bundled library with a known CVE.",
      "The product stores credentials in a plain-text configuration file.",
      "We think the update channel does not verify signatures properly.",
      "Our penetration testers found an open port on the license server.",
      "The exported reports include data from another project.")),
    ("Hardware Compatibility Issue", "The product does not work with a given GPU, OS, board, probe or other hardware.",
     ("compatibility", "GPU", "driver", "operating system", "hardware", "not supported"),
     ("The GPU solver does not detect our new graphics cards.",
      "The debug probe is not recognised on Windows 11 machines.",
      "The application refuses to start on our new Linux distribution.",
      "The tool crashes only on ARM-based laptops.",
      "Our target board is not in the supported device list.")),
    ("Feature Request", "The customer asks for a capability the product does not have yet.",
     ("feature request", "enhancement", "would like", "missing feature", "roadmap", "support for"),
     ("We would like to export reports directly to PDF.",
      "Please add support for the newest version of the exchange format.",
      "Is there a way to script this step? We need it for automation.",
      "We need a dark theme for long sessions in the lab.",
      "It would help a lot if the tool could compare two runs side by side.")),
    ("Documentation Gap", "The documentation is missing, unclear or wrong for a task the customer needs to do.",
     ("documentation", "manual", "guide", "example", "unclear", "tutorial"),
     ("The user guide describes a menu that does not exist in my version.",
      "There is no example showing how to set up a multi-corner run.",
      "The API reference lists parameters that the function does not accept.",
      "The installation guide skips the license server configuration.",
      "I could not find any explanation of what the warning codes mean.")),
]

# (name, strengths, weaknesses, one-line profile)
COMPETITORS: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    ("Cadmus EDA", ("broad analog simulation portfolio", "large installed base in semiconductor firms", "mature foundry PDK support"),
     ("high list prices", "slow release cadence", "complex license terms"), "the largest incumbent in analog and mixed-signal simulation"),
    ("Synaptica Systems", ("strong digital implementation flow", "deep foundry partnerships", "integrated signoff"),
     ("weak PCB and thermal offering", "expensive add-on modules", "steep learning curve"), "a digital-flow heavyweight that bundles aggressively"),
    ("Mentorix Solutions", ("popular PCB layout tools", "good manufacturing-test products", "strong distributor network"),
     ("dated user interface", "limited cloud options", "slow support response times"), "a long-standing PCB and test vendor"),
    ("Ansara Simulation", ("multiphysics solvers", "accurate thermal and CFD", "strong brand in mechanical engineering"),
     ("expensive high-performance-computing licensing", "weak electronic design integration", "long onboarding"), "a multiphysics simulation specialist"),
    ("KeyLogic Analytics", ("strong measurement hardware tie-in", "RF and channel simulation depth", "good lab correlation"),
     ("software tied to their instruments", "limited security analytics", "fragmented product lines"), "an instrument maker with a growing software arm"),
    ("Altivo Design", ("easy-to-learn PCB tools", "low entry price", "cloud collaboration"),
     ("limited high-speed signal-integrity features", "weak support for very large boards", "few enterprise controls"), "a fast-growing PCB challenger aimed at small teams"),
    ("SentraGuard Security", ("mature security operations platform", "large threat-intelligence feeds", "many integrations"),
     ("no hardware or firmware focus", "high data-ingest pricing", "noisy default alerting"), "a general-purpose security analytics platform"),
    ("OpenCircuit Labs", ("free open-source core", "active community", "scriptable workflows"),
     ("no guaranteed support", "limited validation for production signoff", "gaps in documentation"), "a community-driven open-source EDA project with paid support"),
]

PRICEBOOKS = (
    ("Standard Price Book", "List prices for all {company} products, used for direct sales."),
    ("Partner Price Book", "Reseller and channel-partner prices for {company} products, valid for registered partners."),
)

STAGE_ACTIVITIES: dict[str, tuple[str, ...]] = {
    "Qualification": ("Initial discovery call to confirm fit", "Confirm budget range with prospect", "Identify economic buyer",
                      "Research account tech stack", "Send introductory product overview", "Log BANT assessment in CRM", "Qualify project timeline"),
    "Discovery": ("Run technical requirements workshop", "Schedule product demo", "Map current design flow and pain points",
                  "Collect sample design files for evaluation", "Set up evaluation licenses", "Interview engineering stakeholders", "Document success criteria"),
    "Quote": ("Prepare pricing proposal", "Build quote with line items", "Submit quote for discount approval",
              "Send quote to customer", "Review license quantities with customer", "Walk customer through proposal", "Confirm quote expiration date"),
    "Negotiation": ("Negotiate discount terms", "Review contract redlines with legal", "Align on payment terms",
                    "Escalate pricing exception to sales manager", "Finalize license agreement", "Schedule executive alignment call", "Resolve procurement questions"),
    "Closed": ("Send countersigned contract", "Hand off account to customer success", "Schedule onboarding kickoff",
               "Provision production licenses", "Send thank-you note to sponsor", "Conduct win/loss review", "Archive deal documents"),
}

BANT = {
    "budget_min": 50000.0,
    "authority_titles": ("CTO", "VP of Engineering", "Director of Engineering", "Head of Hardware", "Engineering Manager", "Chief Information Security Officer"),
    "need": "a current design, verification or analytics project that one of our products addresses",
    "timeline_max_months": 6,
}

# General (not product-specific) FAQs: (title, answer, body paragraphs)
GENERAL_FAQS: list[tuple[str, str, tuple[str, ...]]] = [
    ("What are the support hours for {company} customers?", "Monday to Friday, 7:00 to 19:00 US Central Time",
     ("Standard support is available Monday to Friday, 7:00 to 19:00 US Central Time, by portal, email and phone.",
      "Customers with a Premier support plan can call the 24x7 hotline for Critical cases outside these hours.",
      "Cases opened outside support hours are queued and answered first thing on the next business day.")),
    ("How many named support contacts can an account register?", "five named support contacts per account",
     ("Each customer account may register up to five named support contacts in the customer portal.",
      "Named contacts can open cases, download software and see all cases of their account.",
      "Accounts that need more contacts can add them in packs of five with a Premier support plan.")),
    ("Where can I download previous product releases?", "the Downloads page of the customer portal keeps the last four releases",
     ("The Downloads page of the customer portal keeps the last four releases of every product.",
      "Older releases are available on request through a support case; they are no longer patched.",
      "Each download comes with a SHA-256 checksum that you should verify before installation.")),
    ("Which license server version is required for the current releases?", "FlexGate license server 11.19 or later",
     ("All current product releases require the FlexGate license server 11.19 or later.",
      "Older license servers can serve older releases, but they cannot serve features released after 2023.",
      "Upgrade the license server before upgrading client installations; it serves older clients without changes.")),
    ("What training courses are available for new users?", "instructor-led courses of two or three days and free self-paced online modules",
     ("We run instructor-led training courses of two or three days for every product family, online or on site.",
      "Free self-paced online modules cover installation, first projects and scripting.",
      "Customers with an enterprise agreement receive ten training credits a year; one credit covers one seat on a one-day course.")),
]

# Candidate pairs for configuration rules (the builder picks some with the seed).
EXCLUSIVE_PAIRS: list[tuple[str, str, str]] = [
    ("PowerOptima Analyzer Pro", "PowerOptima Manager Lite", "Analyzer Pro already contains every Manager Lite capability, and both editions cannot share one license file."),
    ("SpiceWave Simulator", "SpiceWave Simulator Pro", "the Pro edition includes the standard simulator; selling both double-charges the customer for the same engine."),
    ("ThermaSim Solver", "AirFlow CFD Lite", "AirFlow CFD Lite is a reduced airflow edition of the ThermaSim solver and is licensed only to customers without ThermaSim."),
    ("VeriFlow Coverage Manager", "RegressionHub Scheduler", "the scheduler bundled with VeriFlow conflicts with a separate RegressionHub deployment on the same farm."),
]
COMPANION_PAIRS: list[tuple[str, str, str]] = [
    ("TransientX Accelerator", "SpiceWave Simulator Pro", "the accelerator is an add-on that runs only inside SpiceWave Simulator Pro."),
    ("BoardCraft Router Plus", "BoardCraft PCB Modeler", "the router works on BoardCraft layout databases and cannot run on its own."),
    ("SecureSight Log Collector", "SecureSight Threat Analytics", "the collector forwards data only to a SecureSight Threat Analytics instance."),
    ("LogicForge Timing Closer", "LogicForge FPGA Synthesizer", "timing closure reads the synthesis database that only LogicForge FPGA Synthesizer writes."),
    ("HeatMap Visualizer", "ThermaSim Solver", "the visualiser reads ThermaSim result files and has no solver of its own."),
]

_OS = ("Windows 10/11 (64-bit)", "Red Hat Enterprise Linux 8 and 9", "Rocky Linux 9", "Ubuntu 22.04 LTS", "SUSE Linux Enterprise 15")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def product_faqs(name: str, category: str, company: str, rng) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every candidate FAQ of one product as (question, short answer, body paragraphs).

    Facts are drawn from the category vocabulary with the seeded rng, so each product gets its
    own concrete numbers; the builder keeps a seeded subset.
    """
    v = CATEGORIES[category]
    out: list[tuple[str, str, tuple[str, ...]]] = []

    fmts = rng.sample(v["formats"], 4)
    fmt_list = ", ".join(fmts[:-1]) + " and " + fmts[-1]
    out.append((
        f"Which file formats does {name} support?",
        fmt_list,
        (f"{name} reads and writes {fmt_list}. Files in these formats can be opened directly from the File menu or "
         f"loaded in batch mode with the command-line option --input.",
         f"Other formats used in {v['about']} can be converted with the free {company} Translator utility before import. "
         "Translated files keep layer, net and unit information, but vendor-specific annotations are dropped.",
         "If an import fails, run the file through the format validator in the Tools menu; it reports the first line that "
         "does not follow the specification, which is usually enough to fix the export settings of the source tool."),
    ))

    lo, hi = v["limit"]
    cap = _round_nice(rng.uniform(lo, hi))
    cap_s = f"{cap:,}"
    out.append((
        f"What is the maximum design size supported by {name}?",
        f"{cap_s} {v['unit']}",
        (f"A single {name} project supports up to {cap_s} {v['unit']}. The limit applies per job, not per license, so "
         "larger designs can be split into hierarchical blocks and analysed separately.",
         f"Performance scales roughly linearly up to about half of that limit. Beyond {_round_nice(cap / 2):,} {v['unit']} we "
         "recommend a machine with at least 256 GB of memory and enabling the out-of-core option.",
         "Designs that exceed the limit are rejected at load time with the message 'capacity exceeded'; the log states the "
         "measured size so you can decide how to partition the design."),
    ))

    oses = rng.sample(_OS, 3)
    ram = rng.choice((16, 32, 64))
    os_list = ", ".join(oses[:-1]) + " and " + oses[-1]
    out.append((
        f"What are the system requirements for {name}?",
        f"{os_list}, with at least {ram} GB of RAM",
        (f"{name} is supported on {os_list}. Each workstation needs at least {ram} GB of RAM, a 64-bit CPU with AVX2 "
         "and 20 GB of free disk space for the installation.",
         "Virtual machines are supported when they meet the same minimums. macOS is not supported natively; Mac users "
         "can connect to a Linux server with the remote desktop client.",
         "The release notes of each version list the exact patch levels that were tested. Unsupported operating systems "
         "may work, but support cases on them are handled on a best-effort basis."),
    ))

    model = rng.choice(("floating", "node-locked", "named-user"))
    grace = rng.choice((3, 5, 7))
    out.append((
        f"How is {name} licensed?",
        f"{model} licenses with a {grace}-day offline grace period",
        (f"{name} is sold as {model} licenses served by the FlexGate license server. Annual subscriptions include "
         "updates and standard support; perpetual licenses include the first year of maintenance.",
         f"If the license server cannot be reached, a workstation that has checked out a license before keeps working for "
         f"a {grace}-day offline grace period. After that the product stops at start-up until the server is reachable again.",
         "Licenses can be moved to a new host twice per year through the customer portal; further moves need a support case."),
    ))

    major = rng.randint(3, 9)
    minor = rng.randint(0, 4)
    month = rng.choice(_MONTHS)
    year = rng.choice((2023, 2024))
    out.append((
        f"What is the latest release of {name}?",
        f"version {major}.{minor}, released in {month} {year}",
        (f"The latest release of {name} is version {major}.{minor}, released in {month} {year}. It is available on the "
         "Downloads page of the customer portal for all customers with active maintenance.",
         f"Version {major}.{minor} focuses on stability and speed: the release notes list the fixed defects and the "
         f"supported formats. Projects saved in version {major}.{minor} cannot be opened in version {major - 1}.x, so "
         "upgrade all team members together.",
         "Minor releases are published about every four months and patch releases as needed; each release is supported "
         "for 24 months after its release date."),
    ))

    integ = rng.sample(v["integrations"], 3)
    integ_list = ", ".join(integ[:-1]) + " and " + integ[-1]
    out.append((
        f"Which tools does {name} integrate with?",
        integ_list,
        (f"{name} ships with ready-made integrations for {integ_list}. They are installed with the product and enabled "
         "per project under Settings > Integrations.",
         "Every integration is built on the public REST and Python APIs, which are documented in the API reference. "
         "Customers can use the same APIs to connect in-house tools.",
         "Integrations are tested against the versions listed in the release notes; newer third-party versions usually "
         "work but are only formally supported after they appear in the notes."),
    ))

    trial = rng.choice((14, 21, 30))
    seats = rng.choice((2, 3, 5))
    out.append((
        f"Can we evaluate {name} before buying?",
        f"yes, a {trial}-day evaluation license for up to {seats} users",
        (f"Yes. Your account manager can issue a {trial}-day evaluation license of {name} for up to {seats} users. "
         "Evaluations include installation help and two technical check-in calls.",
         "Evaluation licenses are full-featured but watermark exported reports. Work saved during the evaluation can be "
         "opened with a purchased license without conversion.",
         "An evaluation can be extended once, by up to the same length, when a purchase decision is pending."),
    ))
    return out


def _round_nice(x: float) -> int:
    """Round to two significant digits, as a datasheet would state a limit."""
    x = int(x)
    if x < 100:
        return x
    digits = len(str(x)) - 2
    return round(x, -digits)

# Numbers of the company rules; the builder picks one value of each tuple with the seed.
POLICY = {
    "general_discount": (20, 25, 30),
    "product_discount": (5, 8, 10, 12, 15),
    "n_product_discounts": 4,
    "volume_min_quantity": (5, 10),
    "volume_max_pct": (10, 12),
    "min_quantity": (3, 5, 10),
    "max_quantity": (25, 40, 50),
    "n_min_quantity": 3,
    "n_max_quantity": 3,
    "n_exclusive": 3,
    "n_companion": 3,
    "refund_days": (30, 45),
    "credit_max": (500, 1000),
    "escalation_hours": (2, 4),
}

# Preset-specific phrases used inside shared article templates.
WORDING = {
    "positioning": (
        "lead with our integration across the design flow and with measured results on the customer's own designs, and keep the conversation factual",
        "offer an evaluation on the customer's own designs, show time-to-result, and let references from the same industry speak",
    ),
    "restructure": "a longer subscription term, bundled training credits or a different product mix",
    "trade_for": "a longer term, a larger license count, a published case study or an earlier signature",
    "win_reasons": "evaluations on the customer's own designs and fast support response",
    "evaluation": "Deals with a completed technical evaluation were won almost twice as often as those without one.",
    "min_reason": "The minimum reflects how the product is deployed and supported: onboarding, configuration and support are sized for a team of {q} or more users.",
    "refund_alternatives": "troubleshooting, a replacement under warranty, or a transfer to the renewals team",
    "fit_signals": "job title, company size and industry",
}
