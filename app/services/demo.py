"""Demo data: a small, believable fibre ISP in Paraíba, for trying the panel out.

The OLTs point at the bundled OLT simulator (``flask olt-sim``), so provisioning can be
tried end to end without hardware.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app

from app.extensions import db
from app.models import (
    AccessPoint,
    City,
    Combo,
    Contract,
    ContractTemplate,
    ContractWitness,
    Customer,
    CustomerKind,
    ExtraServiceType,
    Nas,
    Olt,
    OltVendor,
    PaymentMethod,
    PaymentMethodKind,
    PhoneCategory,
    Plan,
    PlanKind,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
    TvPackage,
)
from app.services.setup import seed_payment_methods
from app.validators import complete_cnpj, complete_cpf

# Provisioning profiles of the demo OLTs. `flask olt-sim` seeds the simulated OLTs with
# the same names and ids (and refuses any other, as a real OLT does), so provisioning
# from the demo works end to end.
DEMO_OLT_PROFILES = {
    "huawei": {"line_profile_id": 10, "service_profile_id": 10, "default_vlan": 100},
    "zte": {
        "onu_type": "ZTE-F660",
        "tcont_profile": "1G",
        "vlan_profile": "VLAN200",
        "ip_profile": "IP-GW",
        "default_vlan": 200,
    },
}

CONTRACT_BODY = """CONTRATO DE PRESTAÇÃO DE SERVIÇOS DE COMUNICAÇÃO MULTIMÍDIA Nº {contract_number}

CONTRATANTE: {customer_name}, CPF/CNPJ {customer_document}.
PLANO: {plan_name}, mensalidade de R$ {plan_price}, vencimento todo dia {due_day},
forma de pagamento {payment_method}.
MULTA POR RESCISÃO ANTECIPADA: R$ {fine_amount}.

Responsável pelo contrato: {responsible_name}.
Testemunhas: {witness_1} e {witness_2}.

Data: {today}.
"""

FIRST_NAMES = [
    "Maria",
    "José",
    "Ana",
    "João",
    "Francisca",
    "Antônio",
    "Adriana",
    "Carlos",
    "Juliana",
    "Paulo",
    "Márcia",
    "Lucas",
    "Patrícia",
    "Rafael",
    "Aline",
    "Pedro",
    "Fernanda",
    "Marcos",
]
LAST_NAMES = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Lima",
    "Pereira",
    "Costa",
    "Ferreira",
    "Almeida",
    "Nascimento",
    "Araújo",
    "Medeiros",
    "Dantas",
    "Cavalcanti",
    "Wanderley",
    "Brito",
]
STREETS = [
    "Rua Floriano Peixoto",
    "Av. Manoel Tavares",
    "Rua Maciel Pinheiro",
    "Rua Epitácio Pessoa",
    "Av. Brasília",
    "Rua Vigário Calixto",
    "Rua João Pessoa",
    "Rua Treze de Maio",
]


def _plans() -> list[Plan]:
    def internet(name, down, up, price, **kw):
        return Plan(
            name=name,
            kind=PlanKind.INTERNET,
            download_kbps=down * 1000,
            upload_kbps=up * 1000,
            price=Decimal(price),
            fine_amount=Decimal("300.00"),
            **kw,
        )

    return [
        internet("Fibra 300 Mega", 300, 150, "89.90"),
        internet("Fibra 500 Mega", 500, 250, "109.90", has_playhub=True),
        internet("Fibra 700 Mega", 700, 350, "139.90", has_playhub=True, has_watchtv=True),
        internet("Fibra 1 Giga", 1000, 500, "199.90", has_playhub=True, has_watchtv=True),
        internet("Fibra 100 Mega (antigo)", 100, 50, "69.90", active=False),
        Plan(name="TV Essencial", kind=PlanKind.TV, price=Decimal("49.90")),
        Plan(name="TV Completa", kind=PlanKind.TV, price=Decimal("89.90"), has_watchtv=True),
        Plan(name="Voz Ilimitada Fixo", kind=PlanKind.VOICE, price=Decimal("29.90")),
        Plan(
            name="Combo Fibra 500 + TV + Voz",
            kind=PlanKind.COMBO,
            download_kbps=500_000,
            upload_kbps=250_000,
            price=Decimal("169.90"),
            fine_amount=Decimal("450.00"),
            has_playhub=True,
            has_watchtv=True,
        ),
    ]


def load_demo_data(*, force: bool = False, customers: int = 12, seed: int = 7) -> dict[str, int]:
    """Create the demo ISP in one transaction.

    Args:
        force: load even when customers already exist.
        customers: how many customers to create.
        seed: seed of the random choices, so every install gets the same demo.

    Returns:
        Counts of what was created, or an empty dict when nothing was loaded.
    """
    if not force and db.session.query(Customer.id).first() is not None:
        return {}
    rng = random.Random(seed)
    seed_payment_methods()
    db.session.flush()

    cities = [
        City(name="Campina Grande", state="PB", ibge_code="2504009"),
        City(name="João Pessoa", state="PB", ibge_code="2507507"),
        City(name="Patos", state="PB", ibge_code="2510808"),
    ]
    access_points = [
        AccessPoint(name="POP Centro", city=cities[0]),
        AccessPoint(name="POP Catolé", city=cities[0]),
        AccessPoint(name="POP Bancários", city=cities[1]),
        AccessPoint(name="POP Manaíra", city=cities[1]),
        AccessPoint(name="POP Patos Centro", city=cities[2]),
    ]
    plans = _plans()
    template = ContractTemplate(name="Contrato SCM padrão", number_prefix="SCM", body=CONTRACT_BODY)
    db.session.add_all([*cities, *access_points, *plans, template])
    db.session.add_all(
        [
            TvPackage(name="Pacote Esportes", price=Decimal("24.90"), channels="SporTV, ESPN"),
            TvPackage(name="Pacote Filmes", price=Decimal("19.90"), channels="Telecine, HBO"),
            ExtraServiceType(name="Antivírus", price=Decimal("9.90")),
            ExtraServiceType(name="IP fixo", price=Decimal("30.00")),
            PhoneCategory(name="Residencial"),
            PhoneCategory(name="Comercial"),
        ]
    )
    host = current_app.config["OLT_SIM_HOST"]
    base_port = current_app.config["OLT_SIM_BASE_PORT"]
    db.session.add_all(
        [
            Olt(
                name="OLT Centro (Huawei MA5800)",
                vendor=OltVendor.HUAWEI,
                model="MA5800-X7",
                host=host,
                ssh_port=base_port,
                username="admin",
                password="admin",  # noqa: S106 - the simulator's demo credentials
                snmp_community="public",
                access_point=access_points[0],
                **DEMO_OLT_PROFILES["huawei"],
            ),
            Olt(
                name="OLT Bancários (ZTE C320)",
                vendor=OltVendor.ZTE,
                model="C320",
                host=host,
                ssh_port=base_port + 1,
                username="admin",
                password="admin",  # noqa: S106 - the simulator's demo credentials
                snmp_community="public",
                access_point=access_points[2],
                **DEMO_OLT_PROFILES["zte"],
            ),
            Nas(
                name="BRAS Centro",
                ip_address="127.0.0.1",
                secret="demo-nas-secret",  # noqa: S106 - demo only
                kind="mikrotik",
                coa_port=3799,
            ),
        ]
    )
    db.session.flush()

    methods = {m.kind: m for m in db.session.query(PaymentMethod)}
    active_internet = [p for p in plans if p.kind == PlanKind.INTERNET and p.active]
    today = date.today()
    people: list[Customer] = []
    for i in range(customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = i % 6 == 5
        if company:
            name = f"{last} & {rng.choice(LAST_NAMES)} Comércio Ltda"
            document = complete_cnpj(f"{rng.randrange(10**7, 10**8)}0001")
        else:
            name = f"{first} {rng.choice(LAST_NAMES)} {last}"
            document = complete_cpf(f"{rng.randrange(10**8, 10**9)}")
        customer = Customer(
            kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
            name=name,
            document=document,
            email=f"{first.lower().replace('é', 'e').replace('ô', 'o')}{i}@example.com.br",
            mobile=f"8399{rng.randrange(1000000, 9999999)}",
        )
        people.append(customer)
    db.session.add_all(people)
    db.session.flush()

    subscriptions = 0
    for i, customer in enumerate(people):
        city = cities[i % len(cities)]
        aps = [a for a in access_points if a.city is city]
        activated = today - timedelta(days=rng.randrange(40, 900))
        method = methods[
            [PaymentMethodKind.PIX, PaymentMethodKind.BOLETO, PaymentMethodKind.BOOKLET][i % 3]
        ]
        contract = Contract(
            number=f"SCM-{today.year}-{i + 1:05d}",
            customer=customer,
            template=template,
            responsible_name=customer.name,
            responsible_document=customer.document,
            fine_amount=Decimal("300.00"),
            payment_method=method,
            due_day=rng.choice([5, 10, 15, 20]),
            signed_on=activated,
            starts_on=activated,
        )
        witnesses = rng.sample([p for p in people if p is not customer], 2)
        contract.witnesses = [
            ContractWitness(position=n + 1, name=w.name, document=w.document, customer_id=w.id)
            for n, w in enumerate(witnesses)
        ]
        db.session.add(contract)
        combo = None
        chosen = [rng.choice(active_internet)]
        if i % 4 == 3:
            combo = Combo(name="Combo Fibra + TV + Voz", customer=customer, contract=contract)
            db.session.add(combo)
            chosen = [plans[1], plans[5], plans[7]]
        status = SubscriptionStatus.ACTIVE
        if i % 7 == 6:
            status = SubscriptionStatus.SUSPENDED
        elif i % 11 == 10:
            status = SubscriptionStatus.CANCELLED
        for plan in chosen:
            sub = Subscription(
                customer=customer,
                plan=plan,
                contract=contract,
                combo=combo,
                status=status,
                city=city,
                access_point=rng.choice(aps),
                street=rng.choice(STREETS),
                number=str(rng.randrange(10, 2000)),
                district="Centro",
                zip_code="58400000",
                first_activated_on=activated,
                enabled_on=activated + timedelta(days=1),
                renewed_on=activated + timedelta(days=365) if activated.year < today.year else None,
                suspended_on=today - timedelta(days=5)
                if status != SubscriptionStatus.ACTIVE
                else None,
                cancelled_on=today - timedelta(days=5)
                if status == SubscriptionStatus.CANCELLED
                else None,
            )
            db.session.add(sub)
            db.session.add(
                SubscriptionPlanHistory(
                    subscription=sub, plan=plan, price=plan.price, started_on=activated
                )
            )
            subscriptions += 1
    db.session.commit()
    return {
        "cities": len(cities),
        "access_points": len(access_points),
        "plans": len(plans),
        "customers": len(people),
        "subscriptions": subscriptions,
        "olts": 2,
        "nas": 1,
    }
